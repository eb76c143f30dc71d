#include "models/collective/hierarchical_all_reduce.hpp"

#include <fmt/format.h>

#include <map>

#include "models/collective/ring_collectives.hpp"

namespace orrery::models {

namespace {

// The group's ranks by node, nodes in order of first appearance.
std::vector<std::vector<int>> by_node(const CollectiveCall& call) {
  std::vector<std::vector<int>> nodes;
  std::map<int, std::size_t> index;
  for (int r = 0; r < call.ranks; ++r) {
    auto [it, inserted] = index.try_emplace(call.node_of[static_cast<std::size_t>(r)], nodes.size());
    if (inserted) nodes.emplace_back();
    nodes[it->second].push_back(r);
  }
  return nodes;
}

}  // namespace

std::string HierarchicalAllReduceAlgorithm::check(const CollectiveCall& call) const {
  if (static_cast<int>(call.node_of.size()) != call.ranks) return "needs the node of every rank";
  const auto nodes = by_node(call);
  if (nodes.size() < 2 || nodes.front().size() < 2) {
    return fmt::format(
        "needs at least two nodes with at least two ranks each, but the group spans {} node(s) "
        "with {} rank(s) on the first",
        nodes.size(), nodes.front().size());
  }
  for (const auto& n : nodes) {
    if (n.size() != nodes.front().size()) {
      return fmt::format("needs the same number of ranks on every node, but one node holds {} and another {}",
                         nodes.front().size(), n.size());
    }
  }
  return {};
}

CollectivePlan HierarchicalAllReduceAlgorithm::lower(const CollectiveCall& call) const {
  const auto local = by_node(call);              // one ring per node
  const int n = static_cast<int>(local.size());  // N
  const int m = static_cast<int>(local.front().size());
  std::vector<std::vector<int>> across(static_cast<std::size_t>(m));  // one ring per local index
  for (int i = 0; i < m; ++i)
    for (const auto& node : local)
      across[static_cast<std::size_t>(i)].push_back(node[static_cast<std::size_t>(i)]);

  PlanBuilder b(call, m * n);
  const RingUnits part = [n](int, int i) { return ChunkRange{i * n, n}; };
  const RingUnits piece = [n](int i, int k) { return ChunkRange{i * n + k, 1}; };
  ring_reduce_scatter(b, local, part);
  ring_reduce_scatter(b, across, piece);
  ring_all_gather(b, across, piece);
  ring_all_gather(b, local, part);
  return std::move(b).finish();
}

}  // namespace orrery::models
