// The merged tasks of a Chakra trace in order, with their dependencies
// (chakra_graph.hpp): tasks sorted by their least (node id, rank); a node's
// data_deps and ctrl_deps resolved among its rank's nodes; Kahn's algorithm
// to find a cycle (then the nodes around it are named); the tasks that do no
// work removed, their successors waiting for what they waited for.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "workloads/chakra/chakra_merge.hpp"

namespace orrery::workload::chakra {

std::vector<std::vector<std::int32_t>> Merger::dependencies(const std::vector<std::int32_t>& position) const {
  std::vector<std::vector<std::int32_t>> preds(drafts_.size());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    const auto& nodes = ranks_[r].nodes;
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      const NodeRef ref{static_cast<int>(r), static_cast<std::int32_t>(j)};
      const TraceNode& n = nodes[j];
      const std::int32_t t = position[static_cast<std::size_t>(task_of_[r][j])];
      for (std::size_t q = 0; q < n.deps.size(); ++q) {
        const SourceLocation& at = n.dep_at.empty() ? n.at : n.dep_at[q];
        if (n.deps[q] == n.id) fail_at(at, ref, "data_deps", "the node depends on itself");
        const auto it = ids_[r].find(n.deps[q]);
        if (it == ids_[r].end()) {
          fail_at(at, ref, "data_deps",
                  fmt::format("no node of rank {} has id {} (dependencies name nodes of the same file)", r, n.deps[q]));
        }
        const std::int32_t u = position[static_cast<std::size_t>(task_of_[r][static_cast<std::size_t>(it->second)])];
        if (u != t) preds[static_cast<std::size_t>(t)].push_back(u);
      }
    }
  }
  for (auto& p : preds) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
  }
  return preds;
}

void Merger::check_acyclic(const std::vector<std::vector<std::int32_t>>& preds, const std::vector<std::int32_t>& drafts,
                           std::vector<std::int32_t>& topological) const {
  const std::size_t n = preds.size();
  std::vector<std::int32_t> waiting(n);
  std::vector<std::vector<std::int32_t>> succs(n);
  for (std::size_t t = 0; t < n; ++t) {
    waiting[t] = static_cast<std::int32_t>(preds[t].size());
    for (const std::int32_t u : preds[t]) succs[static_cast<std::size_t>(u)].push_back(static_cast<std::int32_t>(t));
  }
  topological.clear();
  for (std::size_t t = 0; t < n; ++t)
    if (waiting[t] == 0) topological.push_back(static_cast<std::int32_t>(t));
  for (std::size_t k = 0; k < topological.size(); ++k) {
    for (const std::int32_t s : succs[static_cast<std::size_t>(topological[k])])
      if (--waiting[static_cast<std::size_t>(s)] == 0) topological.push_back(s);
  }
  if (topological.size() == n) return;
  // Walk back from the first task left, through tasks left, until one repeats: a cycle.
  std::int32_t at = 0;
  while (waiting[static_cast<std::size_t>(at)] == 0) ++at;
  std::vector<std::int32_t> path;
  std::vector<std::int32_t> seen(n, -1);
  while (seen[static_cast<std::size_t>(at)] < 0) {
    seen[static_cast<std::size_t>(at)] = static_cast<std::int32_t>(path.size());
    path.push_back(at);
    for (const std::int32_t u : preds[static_cast<std::size_t>(at)]) {
      if (waiting[static_cast<std::size_t>(u)] > 0) {
        at = u;
        break;
      }
    }
  }
  const std::vector<std::int32_t> cycle(path.begin() + seen[static_cast<std::size_t>(at)], path.end());
  const auto name = [&](std::int32_t t) {
    const NodeRef r = drafts_[static_cast<std::size_t>(drafts[static_cast<std::size_t>(t)])].members.front();
    return fmt::format("node {} of rank {}", node(r).id, r.rank);
  };
  std::string chain = name(cycle.front());
  for (std::size_t k = 1; k < cycle.size() && k < 8; ++k) chain += ", which waits for " + name(cycle[k]);
  if (cycle.size() > 8) chain += fmt::format(", ... ({} tasks)", cycle.size());
  chain += ", which waits for " + name(cycle.front());
  const NodeRef first = drafts_[static_cast<std::size_t>(drafts[static_cast<std::size_t>(cycle.front())])].members.front();
  fail(first, "data_deps", "a dependency cycle: " + chain);
}

ImportedTrace Merger::finish() {
  const std::size_t n = drafts_.size();
  std::vector<std::int32_t> by_order(n);
  std::iota(by_order.begin(), by_order.end(), 0);
  std::stable_sort(by_order.begin(), by_order.end(), [&](std::int32_t a, std::int32_t b) {
    return drafts_[static_cast<std::size_t>(a)].order < drafts_[static_cast<std::size_t>(b)].order;
  });
  std::vector<std::int32_t> position(n);
  for (std::size_t k = 0; k < n; ++k) position[static_cast<std::size_t>(by_order[k])] = static_cast<std::int32_t>(k);
  const std::vector<std::vector<std::int32_t>> preds = dependencies(position);
  std::vector<std::int32_t> topological;
  check_acyclic(preds, by_order, topological);

  // What each task waits for once the tasks without work are gone (in topological order).
  const auto pass = [&](std::int32_t t) { return drafts_[static_cast<std::size_t>(by_order[static_cast<std::size_t>(t)])].pass; };
  std::vector<std::vector<std::int32_t>> waits(n);
  for (const std::int32_t t : topological) {
    auto& mine = waits[static_cast<std::size_t>(t)];
    for (const std::int32_t u : preds[static_cast<std::size_t>(t)]) {
      if (pass(u)) {
        const auto& through = waits[static_cast<std::size_t>(u)];
        mine.insert(mine.end(), through.begin(), through.end());
      } else {
        mine.push_back(u);
      }
    }
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  }
  ImportedTrace out;
  out.ranks = static_cast<int>(ranks_.size());
  for (const RankTrace& r : ranks_) out.nodes += static_cast<std::int64_t>(r.nodes.size());
  std::vector<std::int32_t> index(n, -1);  // increasing in t, so each task's list stays sorted
  std::int32_t kept = 0;
  for (std::size_t t = 0; t < n; ++t)
    if (!pass(static_cast<std::int32_t>(t))) index[t] = kept++;
  for (std::size_t t = 0; t < n; ++t) {
    if (index[t] < 0) continue;
    out.tasks.push_back(std::move(drafts_[static_cast<std::size_t>(by_order[t])].task));
    std::vector<std::int32_t> mine;
    for (const std::int32_t u : waits[t]) mine.push_back(index[static_cast<std::size_t>(u)]);
    out.preds.push_back(std::move(mine));
  }
  return out;
}

}  // namespace orrery::workload::chakra
