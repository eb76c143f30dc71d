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
#include <unordered_map>
#include <vector>

#include "models/collective/collective_algorithm.hpp"
#include "topologies/topology.hpp"

namespace orrery::models {

// The routes between the ranks of a group: rank i is endpoint endpoints[i].
class GroupRoutes {
 public:
  GroupRoutes(const topo::Topology& topology, std::vector<int> endpoints);
  [[nodiscard]] const topo::Topology& topology() const { return topology_; }
  // The links from rank `src` to rank `dst` (cached).
  const std::vector<LinkId>& route(int src, int dst);
  // Sum of the route's link latencies.
  Duration latency(int src, int dst);

 private:
  struct Route {
    std::vector<LinkId> links;
    Duration latency;
  };
  const Route& find(int src, int dst);

  const topo::Topology& topology_;
  std::vector<int> endpoints_;
  std::unordered_map<std::uint64_t, Route> cache_;
};

[[nodiscard]] Duration predict_plan(const CollectivePlan& plan, GroupRoutes& routes);

struct TunerChoice {
  const CollectiveAlgorithm* algorithm = nullptr;
  std::shared_ptr<const CollectivePlan> plan;  // the winner's lowered plan, so callers need not lower it again
  Duration predicted;
  std::vector<std::pair<std::string, Duration>>
      candidates;  // every algorithm that could run it, with its prediction
};

// The algorithm of `library` with the least predicted time for `call` (ties:
// the first by name). Throws ValueError when no algorithm can run it.
[[nodiscard]] TunerChoice choose_algorithm(const CollectiveLibrary& library, const CollectiveCall& call,
                                           GroupRoutes& routes);

}  // namespace orrery::models
