// A whole cluster as one graph: `nodes` copies of a node fabric, joined by a
// scale-out network. Its endpoints are the devices, in order: device d is
// device d % k of node d / k (k devices per node). NIC and switch vertices
// follow; links come node by node (node n's copy of fabric link l is link
// n·L_f + l), then the scale-out network's, so routes can be translated from
// the templates by adding an offset.
//
// Wiring: without rails, one scale-out network of nodes × nics endpoints, NIC
// i of node n on endpoint n·nics + i. Rail-optimized, one network per NIC
// index (rail i joins NIC i of every node, endpoint n), fully separate planes.
// A scale-out endpoint *is* its NIC vertex, so its first link is the
// scale-out network's own (NIC to leaf switch, say).
//
// Routing composes the templates' routes. Same node: the fabric's route.
// Otherwise, without rails: device -> its own NIC (fabric), scale-out route to
// the destination device's NIC, -> destination (fabric). Rail-optimized: the
// source's NIC on the destination device's rail, as NCCL's PXN does (the data
// crosses the node fabric first, then one rail). Each leg is minimal, and so
// is the whole with one NIC per node, or with rails on an NVSwitch node (both
// tested against breadth-first search). Without rails and with several NICs,
// a path through another NIC of the node can be shorter in hops; real stacks
// do not take it (a device sends through its own NIC).
#pragma once

#include "topologies/node_fabric.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

// What the scale-out network must be built for, given the nodes.
[[nodiscard]] ScaleOutContext scale_out_context(int nodes, const NodeSpec& node);

class ClusterGraph final : public Topology {
 public:
  // `scale_out` has nodes × nics endpoints, or `nodes` with `rail_optimized`
  // (then it is copied once per NIC). Throws ValueError on a size mismatch.
  ClusterGraph(int nodes, std::unique_ptr<NodeFabric> fabric, std::unique_ptr<Topology> scale_out,
               bool rail_optimized);
  [[nodiscard]] std::string_view kind() const override { return "cluster"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override;

  [[nodiscard]] int nodes() const { return nodes_; }
  [[nodiscard]] int rails() const { return rails_; }
  [[nodiscard]] const NodeFabric& fabric() const { return *fabric_; }
  [[nodiscard]] const Topology& scale_out() const { return *scale_out_; }

 private:
  void add_node(int node, const std::vector<int>& order);
  void add_rail(int rail, const std::vector<int>& order);

  int nodes_;
  int rails_;
  std::unique_ptr<NodeFabric> fabric_;
  std::unique_ptr<Topology> scale_out_;
  std::vector<int> slot_;  // fabric vertex -> its place in a node's block of vertices
};

}  // namespace orrery::topo
