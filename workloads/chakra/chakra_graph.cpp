// Merging a Chakra trace's ranks into tasks (chakra_graph.hpp): nodes become
// tasks, sends meet their receives, a group's collective nodes meet across
// its ranks; chakra_order.cpp then orders the tasks, resolves the
// dependencies and checks that they form no cycle.
#include "workloads/chakra/chakra_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "sim/core/suggest.hpp"
#include "workloads/chakra/chakra_merge.hpp"
#include "workloads/traffic.hpp"

namespace orrery::workload::chakra {

namespace {

using Kind = ImportedTask::Kind;

// Chakra's CollectiveCommType values (et_def.proto) as orrery's collectives;
// the reader has refused the others.
CollectiveOp op_of(std::int64_t comm_type, bool sparse) {
  switch (comm_type) {
    case 1: return CollectiveOp::kReduce;
    case 2: return CollectiveOp::kAllGather;
    case 5: return CollectiveOp::kBroadcast;
    case 6: return CollectiveOp::kAllToAll;
    case 7:
    case 8: return CollectiveOp::kReduceScatter;
    default: return sparse ? CollectiveOp::kSparseAllReduce : CollectiveOp::kAllReduce;
  }
}

}  // namespace

Merger::Merger(const std::vector<RankTrace>& ranks, const MergeOptions& options) : ranks_(ranks), o_(options) {
  ids_.resize(ranks_.size());
  task_of_.resize(ranks_.size());
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    const auto& nodes = ranks_[r].nodes;
    task_of_[r].assign(nodes.size(), -1);
    ids_[r].reserve(nodes.size());
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      const auto [it, fresh] = ids_[r].emplace(nodes[j].id, static_cast<std::int32_t>(j));
      if (!fresh) {
        fail({static_cast<int>(r), static_cast<std::int32_t>(j)}, "id",
             fmt::format("node id {} appears twice in rank {} (first at {})", nodes[j].id, r,
                         nodes[static_cast<std::size_t>(it->second)].at.str()));
      }
    }
  }
}

void Merger::fail(NodeRef r, std::string_view field, const std::string& message) const {
  fail_at(node(r).at, r, field, message);
}

void Merger::fail_at(const SourceLocation& at, NodeRef r, std::string_view field, const std::string& message) const {
  const TraceNode& n = node(r);
  throw ConfigError(at, fmt::format("{}.node[{}]{}{}", o_.key, n.id, field.empty() ? "" : ".", field), message);
}

std::int32_t Merger::add(Draft d) {
  const auto index = static_cast<std::int32_t>(drafts_.size());
  d.order = {node(d.members.front()).id, d.members.front().rank};
  for (const NodeRef m : d.members) {
    task_of_[static_cast<std::size_t>(m.rank)][static_cast<std::size_t>(m.index)] = index;
    d.order = std::min(d.order, std::pair<std::uint64_t, int>{node(m).id, m.rank});
    d.task.not_before_ns = std::max(d.task.not_before_ns, node(m).not_before_ns.value_or(0));
  }
  const TraceNode& first = node(d.members.front());
  d.task.name = first.name.empty() ? node_type_name(first.type) : first.name;
  d.task.at = first.at;
  d.task.node = first.id;
  drafts_.push_back(std::move(d));
  return index;
}

// A node's measured time: orrery's exact one, else Chakra's microseconds.
std::optional<std::int64_t> Merger::measured(const TraceNode& n) {
  if (n.duration_ns) return *n.duration_ns;
  if (n.duration_micros > 0) return static_cast<std::int64_t>(n.duration_micros) * 1000;
  return std::nullopt;
}

void Merger::local(NodeRef r) {
  const TraceNode& n = node(r);
  Draft d;
  d.members = {r};
  d.task.device = r.rank;
  if (n.type == kMetadataNode || n.type == kInvalidNode) {
    d.pass = true;
  } else if (n.type == kCompNode && !n.is_cpu_op) {
    d.task.kind = Kind::kCompute;
    if (const auto t = measured(n)) {
      d.task.duration_ns = *t;
    } else if (n.num_ops.value_or(0) > 0 || n.tensor_size.value_or(0) > 0) {
      if (n.tensor_size.value_or(0) == 0) {
        fail(r, "tensor_size",
             "num_ops without tensor_size: a node without duration_micros is priced by the device model from "
             "both (FLOPs and bytes); give tensor_size, or duration_micros");
      }
      d.task.priced = true;
      d.task.num_ops = n.num_ops.value_or(0);
      d.task.tensor_size = *n.tensor_size;
    }
  } else {  // a CPU op, MEM_LOAD_NODE, MEM_STORE_NODE: a wait of its measured time
    d.task.kind = Kind::kDelay;
    d.task.duration_ns = measured(n).value_or(0);
    d.task.bytes = n.tensor_size.value_or(0);
  }
  add(std::move(d));
}

void Merger::queue(NodeRef r) {
  const TraceNode& n = node(r);
  const int ranks = static_cast<int>(ranks_.size());
  const auto in_range = [&](std::int64_t v, std::string_view field) {
    if (v >= ranks) fail(r, field, fmt::format("rank {} is not in the trace (ranks 0 to {})", v, ranks - 1));
  };
  if (n.type == kCommSendNode) {
    if (n.comm_src && *n.comm_src != r.rank) {
      fail(r, "comm_src", fmt::format("a send is issued by its sender, but this node is in rank {}'s file and names "
                                      "comm_src {}",
                                      r.rank, *n.comm_src));
    }
    in_range(*n.comm_dst, "comm_dst");
    sends_[{r.rank, static_cast<int>(*n.comm_dst), static_cast<int>(n.comm_tag.value_or(0))}].push_back(r);
  } else if (n.type == kCommRecvNode) {
    if (n.comm_dst && *n.comm_dst != r.rank) {
      fail(r, "comm_dst", fmt::format("a receive is issued by its receiver, but this node is in rank {}'s file and "
                                      "names comm_dst {}",
                                      r.rank, *n.comm_dst));
    }
    in_range(*n.comm_src, "comm_src");
    recvs_[{static_cast<int>(*n.comm_src), r.rank, static_cast<int>(n.comm_tag.value_or(0))}].push_back(r);
  } else {
    const std::string group = (n.pg_name.empty() || n.pg_name == "0") ? std::string() : n.pg_name;
    const std::vector<int>& members = group_of(group, r);
    if (std::find(members.begin(), members.end(), r.rank) == members.end()) {
      fail(r, "pg_name", fmt::format("rank {} is not in communicator group '{}' ({})", r.rank, group, o_.groups_file));
    }
    auto& per_rank = colls_[group];
    per_rank.resize(ranks_.size());
    per_rank[static_cast<std::size_t>(r.rank)].push_back(r.index);
  }
}

const std::vector<int>& Merger::group_of(const std::string& group, NodeRef r) {
  if (group.empty()) {
    if (everyone_.empty())
      for (int i = 0; i < static_cast<int>(ranks_.size()); ++i) everyone_.push_back(i);
    return everyone_;
  }
  if (!o_.groups) {
    fail(r, "pg_name", fmt::format("names communicator group '{}', but there is no communicator group file (give "
                                   "workload.comm_groups, or write PREFIX.comm_groups.json beside the trace)",
                                   group));
  }
  const auto it = o_.groups->find(group);
  if (it == o_.groups->end()) {
    fail(r, "pg_name", fmt::format("communicator group '{}' is not in {}", group, o_.groups_file));
  }
  for (const int m : it->second) {
    if (m >= static_cast<int>(ranks_.size())) {
      fail(r, "pg_name", fmt::format("communicator group '{}' of {} names rank {}, but the trace has ranks 0 to {}",
                                     group, o_.groups_file, m, ranks_.size() - 1));
    }
  }
  return it->second;
}

void Merger::match_transfers() {
  for (const auto& [key, sends] : sends_) {
    const auto it = recvs_.find(key);
    const std::size_t recvs = it == recvs_.end() ? 0 : it->second.size();
    const auto [src, dst, tag] = key;
    if (sends.size() > recvs) {
      fail(sends[recvs], "", fmt::format("COMM_SEND_NODE {} -> {} with comm_tag {} has no COMM_RECV_NODE in rank {}'s "
                                         "file to meet it ({} sends, {} receives with these ranks and tag)",
                                         src, dst, tag, dst, sends.size(), recvs));
    }
    for (std::size_t k = 0; k < sends.size(); ++k) {
      const NodeRef s = sends[k];
      const NodeRef q = it->second[k];
      if (*node(s).comm_size != *node(q).comm_size) {
        fail(q, "comm_size", fmt::format("the receive of {} bytes meets a send of {} bytes ({})", *node(q).comm_size,
                                         *node(s).comm_size, node(s).at.str()));
      }
      if (node(s).dependency_only != node(q).dependency_only) {
        fail(q, "orrery_dependency", fmt::format("the send it meets ({}) says otherwise", node(s).at.str()));
      }
      Draft d;
      d.members = {s, q};
      d.pass = node(s).dependency_only;  // it only orders its two ends (chakra_export.hpp)
      d.task.kind = Kind::kTransfer;
      d.task.device = src;
      d.task.dst = dst;
      d.task.bytes = *node(s).comm_size;
      add(std::move(d));
    }
  }
  for (const auto& [key, recvs] : recvs_) {
    const auto it = sends_.find(key);
    const std::size_t sends = it == sends_.end() ? 0 : it->second.size();
    if (recvs.size() > sends) {
      const auto [src, dst, tag] = key;
      fail(recvs[sends], "", fmt::format("COMM_RECV_NODE {} -> {} with comm_tag {} has no COMM_SEND_NODE in rank {}'s "
                                         "file to meet it ({} receives, {} sends with these ranks and tag)",
                                         src, dst, tag, src, recvs.size(), sends));
    }
  }
}

void Merger::match_collectives() {
  for (const auto& [group, per_rank] : colls_) {
    NodeRef seen{};
    for (std::size_t r = 0; r < per_rank.size(); ++r)
      if (!per_rank[r].empty()) seen = {static_cast<int>(r), per_rank[r].front()};
    const std::vector<int>& members = group_of(group, seen);
    std::size_t count = per_rank[static_cast<std::size_t>(members.front())].size();
    for (const int m : members) count = std::min(count, per_rank[static_cast<std::size_t>(m)].size());
    for (const int m : members) {
      const auto& mine = per_rank[static_cast<std::size_t>(m)];
      if (mine.size() > count) {
        fail({m, mine[count]}, "", fmt::format("collective {} of communicator group '{}' in rank {}'s file has no "
                                               "partner in every rank of the group: some rank has only {}",
                                               count + 1, group.empty() ? "0 (every rank)" : group, m, count));
      }
    }
    for (std::size_t k = 0; k < count; ++k) {
      Draft d;
      for (const int m : members) d.members.push_back({m, per_rank[static_cast<std::size_t>(m)][k]});
      d.task.kind = Kind::kCollective;
      d.task.collective = collective(d.members, members);
      d.task.named_algorithm = !node(d.members.front()).algorithm.empty();
      add(std::move(d));
    }
  }
}

task::CollectiveWork Merger::collective(const std::vector<NodeRef>& nodes, const std::vector<int>& members) const {
  const NodeRef lead = nodes.front();
  const TraceNode& n = node(lead);
  for (const NodeRef other : nodes) {
    const TraceNode& m = node(other);
    if (*m.comm_type != *n.comm_type || *m.comm_size != *n.comm_size) {
      fail(other, *m.comm_type != *n.comm_type ? "comm_type" : "comm_size",
           fmt::format("comm_type {}, comm_size {}, but the same collective in rank {}'s file has comm_type {}, "
                       "comm_size {} ({})",
                       *m.comm_type, *m.comm_size, lead.rank, *n.comm_type, *n.comm_size, n.at.str()));
    }
  }
  const auto p = static_cast<std::int64_t>(members.size());
  if (static_cast<double>(p) * static_cast<double>(p - 1) > o_.max_transfers) {
    fail(lead, "pg_name", fmt::format("a collective over {} ranks runs about {:.3g} point-to-point transfers, more than "
                                      "limits.tasks = {:.3g} (raise it deliberately with --max-tasks N)",
                                      p, 2.0 * static_cast<double>(p) * static_cast<double>(p - 1), o_.max_transfers));
  }
  task::CollectiveWork w;
  w.op = op_of(*n.comm_type, n.density.has_value());
  for (const int m : members) w.group.emplace_back(m);
  // comm_size as ASTRA-sim reads it: an all-gather's is each rank's part (the
  // gathered buffer is p times it), the others' the buffer S (chakra_export.hpp).
  std::int64_t bytes = *n.comm_size;
  if (w.op == CollectiveOp::kAllGather) {
    if (bytes > (std::int64_t{1} << 62) / p) fail(lead, "comm_size", "the gathered buffer is too large");
    bytes *= p;
  }
  w.bytes = Bytes(n.comm_bytes.value_or(bytes));
  w.density = n.density.value_or(1.0);
  w.algorithm = n.algorithm.empty() ? o_.algorithm : n.algorithm;
  if (o_.names && w.algorithm != "auto") {
    const auto valid = o_.names->algorithms_for(w.op);
    if (std::find(valid.begin(), valid.end(), w.algorithm) == valid.end()) {
      const std::string why = fmt::format("algorithm '{}' cannot run {}; valid: auto, {}", w.algorithm,
                                          name_of(w.op), join(valid));
      if (!n.algorithm.empty()) fail(lead, "orrery_algorithm", why);
      // The scenario's choice, not the trace's: the error is at the scenario's key, and names the node.
      throw ConfigError(
          o_.algorithm_at, o_.algorithm_key,
          fmt::format("{} (collective node {} of rank {}, {})", why, n.id, lead.rank, n.at.str()));
    }
  }
  if (n.root) {
    if (w.op != CollectiveOp::kBroadcast && w.op != CollectiveOp::kReduce)
      fail(lead, "orrery_root", "only broadcast and reduce have a root");
    if (*n.root >= p) fail(lead, "orrery_root", fmt::format("root {} is not a rank of the group (0 to {})", *n.root, p - 1));
    w.root = static_cast<int>(*n.root);
  }
  if (!n.dims.empty()) {
    std::int64_t product = 1;
    for (const int e : n.dims) product = std::min<std::int64_t>(product * e, std::int64_t{1} << 40);
    if (product != p) fail(lead, "orrery_dims", fmt::format("the grid holds {} ranks, but the group has {}", product, p));
    w.dims = n.dims;
  }
  return w;
}

ImportedTrace merge_ranks(const std::vector<RankTrace>& ranks, const MergeOptions& options) {
  Merger m(ranks, options);
  return m.run();
}

ImportedTrace Merger::run() {
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    for (std::size_t j = 0; j < ranks_[r].nodes.size(); ++j) {
      const NodeRef ref{static_cast<int>(r), static_cast<std::int32_t>(j)};
      const int type = node(ref).type;
      if (type == kCommSendNode || type == kCommRecvNode || type == kCommCollNode) {
        queue(ref);
      } else {
        local(ref);
      }
    }
  }
  match_transfers();
  match_collectives();
  return finish();
}

}  // namespace orrery::workload::chakra
