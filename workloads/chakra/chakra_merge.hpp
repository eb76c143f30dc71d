// The merge of a Chakra trace's ranks (chakra_graph.hpp), as a class shared by
// chakra_graph.cpp (nodes to tasks, matching) and chakra_order.cpp (order,
// dependencies, cycles). Internal to workloads/chakra.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "workloads/chakra/chakra_graph.hpp"

namespace orrery::workload::chakra {

struct NodeRef {
  int rank = 0;
  std::int32_t index = 0;  // in the rank's file order
};

// A task while the ranks are merged.
struct Draft {
  ImportedTask task;
  bool pass = false;  // no work: a metadata node, or a send/recv pair that only orders
  std::vector<NodeRef> members;
  std::pair<std::uint64_t, int> order;  // its least (node id, rank)
};

class Merger {
 public:
  Merger(const std::vector<RankTrace>& ranks, const MergeOptions& options);
  ImportedTrace run();

 private:
  [[nodiscard]] const TraceNode& node(NodeRef r) const {
    return ranks_[static_cast<std::size_t>(r.rank)].nodes[static_cast<std::size_t>(r.index)];
  }
  [[noreturn]] void fail(NodeRef r, std::string_view field, const std::string& message) const;
  [[noreturn]] void fail_at(const SourceLocation& at, NodeRef r, std::string_view field,
                            const std::string& message) const;
  static std::optional<std::int64_t> measured(const TraceNode& n);
  std::int32_t add(Draft d);
  void local(NodeRef r);
  void queue(NodeRef r);
  const std::vector<int>& group_of(const std::string& group, NodeRef r);
  void match_transfers();
  void match_collectives();
  [[nodiscard]] task::CollectiveWork collective(const std::vector<NodeRef>& nodes, const std::vector<int>& members) const;
  // chakra_order.cpp
  ImportedTrace finish();
  std::vector<std::vector<std::int32_t>> dependencies(const std::vector<std::int32_t>& rank_of_draft) const;
  void check_acyclic(const std::vector<std::vector<std::int32_t>>& preds, const std::vector<std::int32_t>& drafts,
                     std::vector<std::int32_t>& topological) const;

  const std::vector<RankTrace>& ranks_;
  const MergeOptions& o_;
  std::vector<std::unordered_map<std::uint64_t, std::int32_t>> ids_;  // per rank: node id -> index
  std::vector<std::vector<std::int32_t>> task_of_;                    // per rank, per node: its draft
  std::vector<Draft> drafts_;
  std::map<std::tuple<int, int, int>, std::vector<NodeRef>> sends_, recvs_;  // by (src, dst, tag), file order
  std::map<std::string, std::vector<std::vector<std::int32_t>>> colls_;      // by group: per rank, its nodes
  std::vector<int> everyone_;
};

}  // namespace orrery::workload::chakra
