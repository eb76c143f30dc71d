// Lowering the `traffic` workload (traffic.hpp) to flows and collectives, and
// its summary; traffic_read.cpp reads it.
#include "workloads/traffic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "sim/core/rng.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::workload {

namespace {

std::string range_error(int device, int devices) {
  return fmt::format("device {} is out of range: the cluster has {} devices (0 to {})", device, devices,
                     devices - 1);
}

using Pairs = std::vector<std::pair<int, int>>;

// A uniform derangement: uniform shuffles (Fisher–Yates) until one has no fixed point (about e tries).
Pairs permutation(int n, Rng rng) {
  std::vector<int> to(static_cast<std::size_t>(n));
  for (bool fixed = true; fixed;) {
    std::iota(to.begin(), to.end(), 0);
    for (int i = n - 1; i > 0; --i)
      std::swap(to[static_cast<std::size_t>(i)], to[rng.below(static_cast<std::uint64_t>(i) + 1)]);
    fixed = false;
    for (int i = 0; i < n; ++i) fixed = fixed || to[static_cast<std::size_t>(i)] == i;
  }
  Pairs out;
  for (int i = 0; i < n; ++i) out.emplace_back(i, to[static_cast<std::size_t>(i)]);
  return out;
}

// Each device to `target` with probability `fraction` (the target itself never), else to a uniform other.
Pairs hot_spot(int n, int target, double fraction, Rng rng) {
  Pairs out;
  for (int i = 0; i < n; ++i) {
    int dst = target;
    if (i == target || rng.uniform() >= fraction) {
      dst = static_cast<int>(rng.below(static_cast<std::uint64_t>(n) - 1));
      if (dst >= i) ++dst;
    }
    out.emplace_back(i, dst);
  }
  return out;
}

}  // namespace

// The (src, dst) pairs of a pattern other than `file`, after its checks against the cluster.
std::vector<std::pair<int, int>> TrafficWorkload::pairs_of(const FlowPattern& f, std::size_t index,
                                                           const ClusterShape& cluster) const {
  const int n = cluster.devices;
  const int target = f.target.value_or(0);
  if (target >= n) throw ConfigError(f.target_at, f.key + ".target", range_error(target, n));
  if (n < 2) {
    throw ConfigError(f.pattern_at, f.key + ".pattern",
                      fmt::format("pattern '{}' needs at least 2 devices, the cluster has {}", f.pattern, n));
  }
  const RngStreams streams(cluster.seed);
  Pairs out;
  if (f.pattern == "permutation") return permutation(n, streams.stream("traffic.permutation", index));
  if (f.pattern == "hot_spot")
    return hot_spot(n, target, f.fraction, streams.stream("traffic.hot_spot", index));
  if (f.pattern == "all_to_all") {
    if (static_cast<double>(n) * (n - 1) > p_.max_transfers) {
      throw ConfigError(
          f.pattern_at, f.key + ".pattern",
          fmt::format("all_to_all over {} devices is {:.3g} flows, more than limits.tasks = {:.3g} "
                      "(raise it deliberately with --max-tasks N)",
                      n, static_cast<double>(n) * (n - 1), p_.max_transfers));
    }
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (i != j) out.emplace_back(i, j);
  } else if (f.pattern == "ring") {
    for (int i = 0; i < n; ++i) out.emplace_back(i, (i + 1) % n);
  } else if (f.pattern == "incast") {
    const int senders = f.senders.value_or(n - 1);
    if (senders > n - 1) {
      throw ConfigError(f.senders_at, f.key + ".senders",
                        fmt::format("{} senders, but only {} devices besides the target", senders, n - 1));
    }
    for (int i = 0; i < n && static_cast<int>(out.size()) < senders; ++i)
      if (i != target) out.emplace_back(i, target);
  }
  return out;
}

void TrafficWorkload::add_flows(TaskGraph& g, const FlowPattern& f, std::size_t index,
                                const ClusterShape& cluster) const {
  const std::string name = "flow " + f.pattern;
  const auto flow = [&](int src, int dst, Bytes bytes, Duration start) {
    const TaskId t = g.add(TransferWork{DeviceId(src), DeviceId(dst), bytes}, TaskKind::kSend, name);
    g.not_before(t, Time::zero() + start);
  };
  if (f.pattern != "file") {
    for (const auto& [src, dst] : pairs_of(f, index, cluster)) flow(src, dst, f.bytes, f.start_time);
    return;
  }
  for (const CsvFlow& c : f.csv) {
    for (int dev : {c.src, c.dst})
      if (dev >= cluster.devices) throw ConfigError(c.at, f.key + ".file", range_error(dev, cluster.devices));
    flow(c.src, c.dst, c.bytes, c.start);
  }
}

Lowered TrafficWorkload::lower(const ClusterShape& cluster) const {
  Lowered out;
  TaskGraph& g = out.graph;
  for (std::size_t i = 0; i < p_.flows.size(); ++i) add_flows(g, p_.flows[i], i, cluster);
  const int n = cluster.devices;
  for (const TrafficCollective& tc : p_.collectives) {
    CollectiveWork w = tc.work;
    // The whole cluster on a grid network, for dimension-wise algorithms:
    // ranks in the network's grid order, and its extents unless given.
    const bool on_grid = tc.all_devices && !cluster.grid_order.empty() &&
                         (w.algorithm == "dim_rings" || !w.dims.empty());
    if (on_grid) {
      for (int d : cluster.grid_order) w.group.emplace_back(d);
      if (w.dims.empty()) w.dims = cluster.grid_dims;
    } else if (tc.all_devices) {
      for (int i = 0; i < n; ++i) w.group.emplace_back(i);
    } else {
      for (int id : tc.ids) {
        if (id >= n) throw ConfigError(tc.group_at, tc.key + ".group", range_error(id, n));
        w.group.emplace_back(id);
      }
    }
    const int p = static_cast<int>(w.group.size());
    // A collective lowers to about p² point-to-point transfers (a ring: 2p(p−1)).
    if (static_cast<double>(p) * (p - 1) > p_.max_transfers) {
      throw ConfigError(tc.group_at, tc.key + ".group",
                        fmt::format("a collective over {} ranks runs about {:.3g} point-to-point transfers, more than "
                                    "limits.tasks = {:.3g}; use a smaller group or raise the limit deliberately "
                                    "(--max-tasks N)",
                                    p, 2.0 * p * (p - 1), p_.max_transfers));
    }
    if (w.root >= p) {
      throw ConfigError(tc.root_at, tc.key + ".root",
                        fmt::format("root {} is not a rank of the group (0 to {})", w.root, p - 1));
    }
    if (!w.dims.empty()) {
      std::int64_t product = 1;
      std::vector<std::string> shown;
      for (int e : w.dims) {
        product *= e;
        shown.push_back(std::to_string(e));
      }
      if (product != p) {
        throw ConfigError(
            tc.dims_at, tc.key + ".dims",
            fmt::format("the grid {} holds {} ranks, but the group has {}", join(shown, " x "), product, p));
      }
    }
    if (p_.names) {
      // A named algorithm that cannot run here (dim_rings without a grid,
      // hierarchical on nodes of one rank) is the scenario's error, at its key.
      if (const std::string why = p_.names->why_not(w, cluster.devices_per_node); !why.empty())
        throw ConfigError(tc.algorithm_at, tc.key + ".algorithm",
                          fmt::format("{} cannot run this collective here: {}", w.algorithm, why));
    }
    const std::string name(name_of(w.op));
    const TaskId t = g.add(std::move(w), TaskKind::kCollective, name);
    g.not_before(t, Time::zero() + tc.start_time);
  }
  return out;
}

double TrafficWorkload::busbw_factor(CollectiveOp op, int p) {
  const double q = static_cast<double>(p);
  switch (op) {
    case CollectiveOp::kAllReduce:
    case CollectiveOp::kSparseAllReduce:
      return 2 * (q - 1) / q;
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kAllGather:
    case CollectiveOp::kAllToAll:
      return (q - 1) / q;
    case CollectiveOp::kBroadcast:
    case CollectiveOp::kReduce:
      return 1;
  }
  return 1;
}

void TrafficWorkload::summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const {
  summarize_graph(lowered.graph, times, out);
}

void TrafficWorkload::summarize_graph(const TaskGraph& graph, const TaskTimes& times, Summary& out) {
  out.set("completion_time_s", (times.makespan - Time::zero()).seconds());
  std::int64_t flows = 0;
  std::int64_t comm = 0;
  double sum = 0;
  double lo = std::numeric_limits<double>::infinity();
  double hi = 0;
  std::int64_t timed = 0;
  std::vector<double> time_s, algbw, busbw;
  std::vector<std::string> picks;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Task& t = graph.tasks()[i];
    const double d = (times.end[i] - times.start[i]).seconds();
    if (const auto* x = std::get_if<TransferWork>(&t.work)) {
      ++flows;
      comm += x->bytes.count();
      if (d <= 0) continue;  // nothing crossed the network
      const double bw = static_cast<double>(x->bytes.count()) / d;
      sum += bw;
      lo = std::min(lo, bw);
      hi = std::max(hi, bw);
      ++timed;
    } else if (const auto* c = std::get_if<CollectiveWork>(&t.work)) {
      const auto it = times.collectives.find(static_cast<std::int32_t>(i));
      const double bw = d > 0 ? static_cast<double>(c->bytes.count()) / d : 0.0;
      time_s.push_back(d);
      algbw.push_back(bw);
      busbw.push_back(bw * busbw_factor(c->op, static_cast<int>(c->group.size())));
      if (it != times.collectives.end()) {
        comm += it->second.bytes;
        picks.push_back(fmt::format("{}:{}", name_of(c->op), it->second.algorithm));
      }
    }
  }
  if (flows > 0) {
    out.set("flows", flows);
    if (timed > 0) {
      out.set("flow_bandwidth_mean_bytes_per_s", sum / static_cast<double>(timed));
      out.set("flow_bandwidth_min_bytes_per_s", lo);
      out.set("flow_bandwidth_max_bytes_per_s", hi);
    }
  }
  if (!time_s.empty()) {
    out.set("collective_time_s", time_s);
    out.set("collective_algbw_bytes_per_s", algbw);
    out.set("collective_busbw_bytes_per_s", busbw);
    out.set("collective_algorithms", join(picks, ","));
  }
  out.set("comm_bytes", comm);
}

}  // namespace orrery::workload
