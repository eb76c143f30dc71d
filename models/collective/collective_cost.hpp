// The alpha-beta cost of a collective plan on a topology, and the `auto`
// tuner that picks the algorithm with the least predicted time, in the spirit
// of NCCL's tuner (latency per step plus bytes over bandwidth), but read off
// the group's actual routes instead of per-algorithm constants.
//
// For each step s of the plan (transfers that may run together):
//
//   T_s = max over transfers t in s of alpha(route t)
//       + max over links l of (sum of bytes of the transfers of s routed over l) / beta(l)
//
// where alpha(route) is the sum of the route's link latencies and beta(l) the
// link's bandwidth; the prediction is the sum of T_s over the steps. On a ring
// of p endpoints with ring all-reduce this is 2(p−1)(alpha + S/(p·beta)), the
// closed form of validation/README.md; it charges algorithms whose steps send
// far (recursive halving on a ring) for the links they share, which a pure
// alpha-beta formula per algorithm would not see. It ignores overlap between
// steps of pipelined algorithms beyond what their step structure gives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <span>
#include <unordered_map>
#include <vector>

#include "models/collective/collective_algorithm.hpp"
#include "topologies/route_table.hpp"
#include "topologies/topology.hpp"

namespace orrery::models {

// The routes between the ranks of a group: rank i is endpoint endpoints[i].
// Routes come from a route table: the cluster's (shared with the network
// services), or one of its own when built from a bare topology.
class GroupRoutes {
 public:
  GroupRoutes(topo::RouteTable& table, std::vector<int> endpoints);
  GroupRoutes(const topo::Topology& topology, std::vector<int> endpoints);
  [[nodiscard]] const topo::Topology& topology() const { return table_.topology(); }
  // The links from rank `src` to rank `dst`, as link indices.
  std::span<const std::int32_t> route(int src, int dst) { return table_.links(find(src, dst)); }
  // Sum of the route's link latencies.
  Duration latency(int src, int dst) { return find(src, dst).latency; }

 private:
  topo::RouteTable::Route find(int src, int dst) {
    return table_.between(endpoints_[static_cast<std::size_t>(src)], endpoints_[static_cast<std::size_t>(dst)]);
  }

  std::unique_ptr<topo::RouteTable> own_;  // when built from a topology
  topo::RouteTable& table_;
  std::vector<int> endpoints_;
};

[[nodiscard]] Duration predict_plan(const CollectivePlan& plan, GroupRoutes& routes);

// Plans by what they depend on: the algorithm and the call, with the ranks'
// nodes as a pattern (which ranks share a node, numbered in order of first
// appearance), since an algorithm sees nodes only as groups of ranks. Groups
// of different devices with the same shape (the data-parallel groups of each
// tensor-parallel rank and stage) share one plan. Plans that differ in S
// alone, of an algorithm whose DAG does not depend on S
// (CollectiveAlgorithm::same_dag_for_every_size), share its DAG: the first is
// lowered, the others sized from it (with_size). Not thread-safe.
class PlanCache {
 public:
  std::shared_ptr<const CollectivePlan> get(const CollectiveAlgorithm& algorithm, const CollectiveCall& call);

 private:
  std::unordered_map<std::string, std::shared_ptr<const CollectivePlan>> plans_;
  std::unordered_map<std::string, std::shared_ptr<const CollectivePlan>> dags_;  // by everything but S
};

struct TunerChoice {
  const CollectiveAlgorithm* algorithm = nullptr;
  std::shared_ptr<const CollectivePlan> plan;  // the winner's lowered plan, so callers need not lower it again
  Duration predicted;
  std::vector<std::pair<std::string, Duration>>
      candidates;  // every algorithm that could run it, with its prediction
};

// The algorithm of `library` with the least predicted time for `call` (ties:
// the first by name). Throws ValueError when no algorithm can run it.
// Plans come from `cache` when given.
[[nodiscard]] TunerChoice choose_algorithm(const CollectiveLibrary& library, const CollectiveCall& call,
                                           GroupRoutes& routes, PlanCache* cache = nullptr);

}  // namespace orrery::models
