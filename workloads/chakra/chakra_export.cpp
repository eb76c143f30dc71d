// Writing a simulated task graph as a Chakra trace (chakra_export.hpp).
#include "workloads/chakra/chakra_export.hpp"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "sim/core/error.hpp"
#include "workloads/chakra/chakra_names.hpp"
#include "workloads/chakra/et_def.pb.h"

namespace orrery::workload::chakra {

namespace {

namespace pb = ::ChakraProtoMsg;

void append(std::string& out, const google::protobuf::MessageLite& m) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  coded.WriteVarint32(static_cast<std::uint32_t>(m.ByteSizeLong()));
  m.SerializeWithCachedSizes(&coded);
}

pb::AttributeProto& attribute(pb::Node& n, std::string_view name) {
  pb::AttributeProto& a = *n.add_attr();
  a.set_name(std::string(name));
  return a;
}

// Chakra's CollectiveCommType for an orrery collective.
pb::CollectiveCommType comm_type(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kReduce: return pb::REDUCE;
    case CollectiveOp::kAllGather: return pb::ALL_GATHER;
    case CollectiveOp::kAllToAll: return pb::ALL_TO_ALL;
    case CollectiveOp::kBroadcast: return pb::BROADCAST;
    case CollectiveOp::kReduceScatter: return pb::REDUCE_SCATTER;
    case CollectiveOp::kAllReduce:
    case CollectiveOp::kSparseAllReduce: return pb::ALL_REDUCE;
  }
  return pb::ALL_REDUCE;
}

// A dependency between two tasks that share no rank, carried by an empty message.
struct Carrier {
  std::int32_t before, after;
  int from, to;       // the ranks of the send and the receive
  std::uint64_t id;   // both nodes' id, and the tag
};

class Exporter {
 public:
  Exporter(const TaskGraph& g, const TaskTimes& times, int devices) : g_(g), times_(times), devices_(devices) {}

  std::string run(const std::function<void(int, const std::string&)>& rank_file) {
    place();
    for (int r = 0; r < devices_; ++r) rank_file(r, rank_bytes(r));
    std::string json = "{";
    std::vector<std::pair<int, const std::vector<int>*>> by_number;
    for (const auto& [group, number] : groups_) by_number.emplace_back(number, &group);
    std::sort(by_number.begin(), by_number.end());
    for (std::size_t k = 0; k < by_number.size(); ++k) {
      json += fmt::format("{}\n  \"{}\": [", k ? "," : "", by_number[k].first);
      const auto& ranks = *by_number[k].second;
      for (std::size_t i = 0; i < ranks.size(); ++i) json += fmt::format("{}{}", i ? ", " : "", ranks[i]);
      json += "]";
    }
    return json + (by_number.empty() ? "}\n" : "\n}\n");
  }

 private:
  [[nodiscard]] const Task& task(std::size_t i) const { return g_.tasks()[i]; }

  // The ranks a task has nodes on, in its own order (a collective's group order).
  [[nodiscard]] std::vector<int> ranks_of(std::size_t i) const {
    return std::visit(
        [](const auto& w) -> std::vector<int> {
          using W = std::decay_t<decltype(w)>;
          if constexpr (std::is_same_v<W, TransferWork>) {
            if (w.src == w.dst) return {w.src.value()};
            return {w.src.value(), w.dst.value()};
          } else if constexpr (std::is_same_v<W, CollectiveWork>) {
            std::vector<int> out;
            for (const DeviceId d : w.group) out.push_back(d.value());
            return out;
          } else {
            return {w.device.value()};
          }
        },
        task(i).work);
  }
  [[nodiscard]] bool on(std::size_t i, int rank) const {
    const auto& s = sorted_[i];
    return std::binary_search(s.begin(), s.end(), rank);
  }
  // The node that ends task i on `rank`: a transfer's receive on its destination.
  [[nodiscard]] std::uint64_t end_node(std::size_t i, int rank) const {
    if (const auto* x = std::get_if<TransferWork>(&task(i).work); x && x->dst.value() == rank && x->src == x->dst)
      return self_recv_.at(static_cast<std::int32_t>(i));
    return i;
  }

  // Node ids are tags too, and Chakra's comm_tag has 32 bits.
  void check_ids(std::uint64_t count) const {
    if (count > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
      throw InfeasibleError(fmt::format("--chakra: the graph needs more than 2^31 node ids, past Chakra's 32-bit "
                                        "comm_tag ({} tasks)",
                                        g_.size()));
    }
  }
  // An id past the tasks'.
  std::uint64_t next_id() {
    check_ids(next_ + 1);
    return next_++;
  }

  void place() {
    const std::size_t n = g_.size();
    next_ = n;
    sorted_.resize(n);
    preds_.resize(n);
    by_rank_.resize(static_cast<std::size_t>(devices_));
    for (std::size_t i = 0; i < n; ++i) {
      sorted_[i] = ranks_of(i);
      for (const int r : sorted_[i]) by_rank_[static_cast<std::size_t>(r)].push_back(static_cast<std::int32_t>(i));
      std::sort(sorted_[i].begin(), sorted_[i].end());
      if (const auto* x = std::get_if<TransferWork>(&task(i).work); x && x->src == x->dst)
        self_recv_[static_cast<std::int32_t>(i)] = 0;
      for (const TaskId s : g_.successors(TaskId(static_cast<std::int32_t>(i))))
        preds_[static_cast<std::size_t>(s.value())].push_back(static_cast<std::int32_t>(i));
    }
    check_ids(n);  // the task indices are ids and tags
    for (auto& [i, id] : self_recv_) id = next_id();
    carried_from_.resize(static_cast<std::size_t>(devices_));
    carried_to_.resize(static_cast<std::size_t>(devices_));
    for (std::size_t y = 0; y < n; ++y) {
      for (const std::int32_t x : preds_[y]) {
        const auto& mine = sorted_[y];
        if (std::any_of(mine.begin(), mine.end(), [&](int r) { return on(static_cast<std::size_t>(x), r); })) continue;
        // From the rank where x ends (a transfer's destination, a group's last rank) to where y starts.
        const Carrier c{x, static_cast<std::int32_t>(y), ranks_of(static_cast<std::size_t>(x)).back(),
                        ranks_of(y).front(), next_id()};
        carried_from_[static_cast<std::size_t>(c.from)].push_back(carriers_.size());
        carried_to_[static_cast<std::size_t>(c.to)].push_back(carriers_.size());
        carriers_.push_back(c);
      }
    }
  }

  // What every node of task i carries; returns the task's simulated duration.
  Duration common(pb::Node& node, std::size_t i, std::uint64_t id, int type,
                  const std::vector<std::uint64_t>& deps) const {
    node.Clear();
    node.set_id(id);
    node.set_name(g_.names()[static_cast<std::size_t>(task(i).name)]);
    node.set_type(static_cast<pb::NodeType>(type));
    for (const std::uint64_t d : deps) node.add_data_deps(d);
    const Duration d = times_.end[i] - times_.start[i];
    node.set_duration_micros(static_cast<std::uint64_t>((d.count() + 500) / 1000));
    if (task(i).not_before > Time::zero())
      attribute(node, attr::kNotBeforeNs).set_int64_val((task(i).not_before - Time::zero()).count());
    return d;
  }

  // FLOPs and bytes of a compute task's priced operations.
  std::pair<double, double> work_of_cost(std::int32_t cost) {
    auto& cached = work_[cost];
    if (!cached) {
      double flops = 0, bytes = 0;
      for (const CostTerm& t : g_.costs()[static_cast<std::size_t>(cost)].terms) {
        for (const Operation& op : t.ops) {
          const OperationWork w = task::work_of(op);
          flops += t.multiplier * w.flops;
          bytes += t.multiplier * w.bytes;
        }
      }
      cached = std::pair{flops, bytes};
    }
    return *cached;
  }

  void collective(pb::Node& node, const CollectiveWork& c) {
    const auto p = static_cast<std::int64_t>(c.group.size());
    attribute(node, attr::kCommType).set_int64_val(comm_type(c.op));
    std::int64_t size = c.bytes.count();
    if (c.op == CollectiveOp::kAllGather) {
      size = c.bytes.count() / p;  // each rank's part, as ASTRA-sim reads an all-gather's comm_size
      if (size * p != c.bytes.count()) attribute(node, attr::kCommBytes).set_int64_val(c.bytes.count());
    }
    attribute(node, attr::kCommSize).set_int64_val(size);
    bool everyone = p == devices_;
    for (std::int64_t k = 0; k < p && everyone; ++k) everyone = c.group[static_cast<std::size_t>(k)].value() == k;
    if (!everyone) {
      std::vector<int> ranks;
      for (const DeviceId d : c.group) ranks.push_back(d.value());
      const auto [it, fresh] = groups_.try_emplace(ranks, static_cast<int>(groups_.size()) + 1);
      attribute(node, attr::kPgName).set_string_val(std::to_string(it->second));
    }
    if (c.algorithm != "auto") attribute(node, attr::kAlgorithm).set_string_val(c.algorithm);
    if (c.op == CollectiveOp::kBroadcast || c.op == CollectiveOp::kReduce) attribute(node, attr::kRoot).set_int64_val(c.root);
    if (c.op == CollectiveOp::kSparseAllReduce) attribute(node, attr::kDensity).set_double_val(c.density);
    if (!c.dims.empty()) {
      auto* list = attribute(node, attr::kDims).mutable_int64_list();
      for (const int e : c.dims) list->add_values(e);
    }
  }

  void point_to_point(pb::Node& node, int src, int dst, std::int64_t bytes, std::uint64_t tag) const {
    attribute(node, attr::kCommSrc).set_int32_val(src);
    attribute(node, attr::kCommDst).set_int32_val(dst);
    attribute(node, attr::kCommSize).set_int64_val(bytes);
    attribute(node, attr::kCommTag).set_int32_val(static_cast<std::int32_t>(tag));
  }

  // The node (or, for a transfer, the nodes) of task i on `rank`, appended to `out`.
  void emit(std::string& out, pb::Node& node, std::size_t i, int rank, const std::vector<std::uint64_t>& deps) {
    const Work& work = task(i).work;
    const auto* c = std::get_if<ComputeWork>(&work);
    const auto* w = std::get_if<DelayWork>(&work);
    if (c || w) {  // a delay holds no device: a CPU op
      const Duration d = common(node, i, i, pb::COMP_NODE, deps);
      attribute(node, attr::kIsCpuOp).set_bool_val(w != nullptr);
      attribute(node, attr::kDurationNs).set_int64_val(d.count());
      if (w) {
        attribute(node, attr::kTensorSize).set_uint64_val(static_cast<std::uint64_t>(w->bytes.count()));
      } else if (c->cost >= 0) {
        const auto [flops, bytes] = work_of_cost(c->cost);
        attribute(node, attr::kNumOps).set_int64_val(std::llround(flops));
        attribute(node, attr::kTensorSize).set_uint64_val(static_cast<std::uint64_t>(std::llround(bytes)));
      }
    } else if (const auto* k = std::get_if<CollectiveWork>(&work)) {
      common(node, i, i, pb::COMM_COLL_NODE, deps);
      collective(node, *k);
    } else {
      const auto& x = std::get<TransferWork>(work);
      const int src = x.src.value();
      const int dst = x.dst.value();
      if (src == rank) {
        common(node, i, i, pb::COMM_SEND_NODE, deps);
        point_to_point(node, src, dst, x.bytes.count(), i);
        append(out, node);
      }
      if (dst == rank) {  // a transfer to itself: its send carries the deps
        common(node, i, end_node(i, rank), pb::COMM_RECV_NODE, src != rank ? deps : std::vector<std::uint64_t>{});
        point_to_point(node, src, dst, x.bytes.count(), i);
        append(out, node);
      }
      return;
    }
    append(out, node);
  }

  std::string rank_bytes(int rank) {
    std::string out;
    pb::GlobalMetadata meta;
    meta.set_version("1.0.0");
    auto* by = meta.add_attr();
    by->set_name("generator");
    by->set_string_val("orrery");
    append(out, meta);
    std::unordered_map<std::int32_t, std::vector<std::uint64_t>> carried;  // task -> receives it waits for
    for (const std::size_t k : carried_to_[static_cast<std::size_t>(rank)]) carried[carriers_[k].after].push_back(carriers_[k].id);
    pb::Node node;
    std::vector<std::uint64_t> deps;
    for (const std::int32_t i : by_rank_[static_cast<std::size_t>(rank)]) {
      deps.clear();
      for (const std::int32_t x : preds_[static_cast<std::size_t>(i)])
        if (on(static_cast<std::size_t>(x), rank)) deps.push_back(end_node(static_cast<std::size_t>(x), rank));
      if (const auto it = carried.find(i); it != carried.end()) deps.insert(deps.end(), it->second.begin(), it->second.end());
      emit(out, node, static_cast<std::size_t>(i), rank, deps);
    }
    std::vector<std::size_t> mine = carried_from_[static_cast<std::size_t>(rank)];
    mine.insert(mine.end(), carried_to_[static_cast<std::size_t>(rank)].begin(),
                carried_to_[static_cast<std::size_t>(rank)].end());
    std::sort(mine.begin(), mine.end());
    for (const std::size_t k : mine) {
      const Carrier& c = carriers_[k];
      node.Clear();
      node.set_id(c.id);
      node.set_name("orrery dependency");
      node.set_type(c.from == rank ? pb::COMM_SEND_NODE : pb::COMM_RECV_NODE);
      if (c.from == rank) node.add_data_deps(end_node(static_cast<std::size_t>(c.before), rank));
      point_to_point(node, c.from, c.to, 0, c.id);
      attribute(node, attr::kDependency).set_bool_val(true);
      append(out, node);
    }
    return out;
  }

  const TaskGraph& g_;
  const TaskTimes& times_;
  int devices_;
  std::uint64_t next_ = 0;
  std::vector<std::vector<int>> sorted_;             // per task: its ranks, sorted
  std::vector<std::vector<std::int32_t>> preds_;     // per task, increasing
  std::vector<std::vector<std::int32_t>> by_rank_;   // per rank: its tasks, increasing
  std::map<std::int32_t, std::uint64_t> self_recv_;  // a transfer to itself: its receive's id
  std::vector<Carrier> carriers_;
  std::vector<std::vector<std::size_t>> carried_from_, carried_to_;  // per rank: its carriers' indices
  std::map<std::vector<int>, int> groups_;           // a collective group's number (pg_name)
  std::unordered_map<std::int32_t, std::optional<std::pair<double, double>>> work_;
};

}  // namespace

std::string export_trace(const TaskGraph& graph, const TaskTimes& times, int devices,
                         const std::function<void(int, const std::string&)>& rank_file) {
  return Exporter(graph, times, devices).run(rank_file);
}

}  // namespace orrery::workload::chakra
