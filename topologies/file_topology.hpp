// The `file` topology kind: a network read from a GraphML file
// (graphml_network.hpp has the schema), as the scale-out network of a
// cluster. Its endpoints are joined in file order: with `node: single` they
// are the devices (the file is the whole cluster), with nodes that have NICs
// they are the NICs (node n's NIC i is endpoint n·nics + i).
//
// Routing:
//  * shortest — a shortest path by hop count (the metric of every built-in
//    rule and of Topology::bfs_route), taken hop by hop from the source: at
//    each vertex the next hops that stay on a shortest path to the
//    destination, in link order, and ECMP's hash picks among them (ecmp.hpp:
//    h mod k, then h / k for the next choice). On a fat tree's file this
//    picks the spine, and the core, that FatTree::route picks, so a
//    round trip routes every flow the same way.
//  * given — the routes the file lists (graphml_routes.hpp).
//
// Distances to a destination come from a breadth-first search over the links
// backwards, kept per destination (up to 2^25 entries, then started afresh);
// route() locks, so one topology may be routed from several threads.
#pragma once

#include <memory>
#include <mutex>

#include "sim/config/reader.hpp"
#include "topologies/graphml_network.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

enum class FileRouting { kShortest, kGiven };

struct FileParams {
  std::string path;  // as given
  FileRouting routing = FileRouting::kShortest;
  std::shared_ptr<const GraphmlNetwork> network;
  static FileParams read(config::Reader& r);
};

class FileTopology final : public Topology {
 public:
  FileTopology(std::shared_ptr<const GraphmlNetwork> network, FileRouting routing);
  [[nodiscard]] std::string_view kind() const override { return "file"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override;

 private:
  void shortest_route(int src, int dst, std::vector<LinkId>& out) const;
  // Hops from every vertex to endpoint `dst` (-1: cannot reach it). Call locked.
  const std::vector<std::int32_t>& distances_to(int dst) const;

  std::shared_ptr<const GraphmlNetwork> network_;
  FileRouting routing_;
  std::vector<std::vector<std::int32_t>> into_;  // links into each vertex
  mutable std::mutex mutex_;
  mutable std::vector<std::vector<std::int32_t>> distances_;  // by destination endpoint; empty until asked
  mutable std::size_t cached_ = 0;
};

class FileSpec final : public ScaleOutSpec {
 public:
  explicit FileSpec(FileParams p) : p_(std::move(p)) {}
  [[nodiscard]] std::optional<SpecProblem> problem(const ScaleOutContext& ctx) const override;
  [[nodiscard]] std::optional<int> fixed_endpoints() const override { return p_.network->endpoint_count(); }

 protected:
  [[nodiscard]] std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const override;

 private:
  FileParams p_;
};

}  // namespace orrery::topo
