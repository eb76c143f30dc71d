#include "workloads/traffic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <numeric>
#include <set>

#include "sim/core/rng.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::workload {

// `group:` — device ids, or `all`.
struct DeviceGroup {
  bool all = true;
  std::vector<int> ids;
};

}  // namespace orrery::workload

namespace orrery::config {

template <>
struct Value<workload::DeviceGroup> {
  static workload::DeviceGroup parse(const YAML::Node& n) {
    if (n.IsScalar() && n.Scalar() == "all") return {};
    if (!n.IsSequence()) {
      throw ValueError(
          fmt::format("expected `all` or a list of device ids, found {}", detail::describe_node(n)));
    }
    return {false, Value<std::vector<int>>::parse(n)};
  }
  static YAML::Node emit(const workload::DeviceGroup& g) {
    return g.all ? YAML::Node("all") : Value<std::vector<int>>::emit(g.ids);
  }
  static std::string type() { return "`all`, or a list of device ids"; }
};

}  // namespace orrery::config

namespace orrery::workload {

namespace {

std::string range_error(int device, int devices) {
  return fmt::format("device {} is out of range: the cluster has {} devices (0 to {})", device, devices,
                     devices - 1);
}

FlowPattern read_pattern(config::Reader& f) {
  FlowPattern fp;
  fp.key = f.path();
  const bool d = f.describing();
  const std::vector<std::string> patterns{"all_to_all", "file", "hot_spot", "incast", "permutation", "ring"};
  fp.pattern = f.choice("pattern", patterns, std::nullopt,
                        "which flows: permutation, all_to_all, ring, incast, "
                        "hot_spot, or file (a CSV of flows)");
  const bool file = fp.pattern == "file";
  const auto only = [&](std::string_view key, bool used, std::string_view who) {
    f.check(!f.has(key) || used, key, fmt::format("is only used by {}", who));
  };
  only("bytes", !file, "patterns other than `file` (the CSV gives each flow's bytes)");
  only("start_time", !file, "patterns other than `file` (the CSV gives each flow's start)");
  only("target", fp.pattern == "incast" || fp.pattern == "hot_spot", "the incast and hot_spot patterns");
  only("senders", fp.pattern == "incast", "the incast pattern");
  only("fraction", fp.pattern == "hot_spot", "the hot_spot pattern");
  only("file", file, "the file pattern");
  if (!file || d) fp.bytes = f.required<Bytes>("bytes", "bytes of each flow");
  if (!file || d) fp.start_time = f.optional<Duration>("start_time", Duration{}, "when the flows start");
  fp.target = f.maybe<int>("target", "incast, hot_spot: the device the flows go to (default 0)");
  fp.target_at = f.where("target");
  fp.senders =
      f.maybe<int>("senders", "incast: how many devices send, lowest ids first (default: all others)");
  fp.senders_at = f.where("senders");
  const auto fraction =
      f.maybe<double>("fraction", "hot_spot: probability that a flow goes to the target (default 0.5)");
  const auto path = f.maybe<std::string>(
      "file",
      "file: CSV of flows, columns src,dst,bytes[,start_time] "
      "(units in the header, `bytes [MiB]`, or in each value), relative to the scenario");
  if (d) return fp;
  f.check(fp.bytes >= Bytes(0), "bytes", "must not be negative");
  f.check(fp.start_time >= Duration{}, "start_time", "must not be negative");
  f.check(!fp.target || *fp.target >= 0, "target", "must not be negative");
  f.check(!fp.senders || *fp.senders >= 1, "senders", "must be at least 1");
  if (fraction) {
    f.check(*fraction >= 0 && *fraction <= 1, "fraction",
            fmt::format("must be in [0, 1], got {}", *fraction));
    fp.fraction = *fraction;
  }
  if (file) {
    f.check(path.has_value(), "file", "missing required key 'file' (the CSV of flows)");
    std::filesystem::path full(*path);
    if (full.is_relative()) full = std::filesystem::path(f.file()).parent_path() / full;
    try {
      fp.csv = read_flow_csv(full.string(), full.string(), f.key_path("file"));
    } catch (const ValueError& e) {
      f.fail("file", e.what());
    }
  }
  return fp;
}

void read_algorithm(config::Reader& c, TrafficCollective& tc, const CollectiveNames& names) {
  const CollectiveOp op = tc.work.op;
  std::vector<std::string> valid{"auto"};
  for (auto& n : c.describing() ? names.algorithms() : names.algorithms_for(op))
    valid.push_back(std::move(n));
  if (c.has("algorithm")) {
    const auto given = c.maybe<std::string>("algorithm", "");
    const auto all = names.algorithms();
    if (given && std::find(valid.begin(), valid.end(), *given) == valid.end() &&
        std::find(all.begin(), all.end(), *given) != all.end()) {
      c.fail("algorithm", fmt::format("algorithm '{}' cannot run {}; valid for {}: {}", *given, name_of(op),
                                      name_of(op), join(valid)));
    }
  }
  tc.work.algorithm =
      c.choice("algorithm", valid, "auto",
               "`auto` (the least predicted time on the cluster's routes) or an algorithm that runs "
               "the op (`orrery list collective`)");
}

TrafficCollective read_collective(config::Reader& c, const CollectiveNames& names) {
  TrafficCollective tc;
  tc.key = c.path();
  const bool d = c.describing();
  const auto ops = collective_op_names();
  tc.work.op = *collective_op(c.choice("op", ops, std::nullopt, "the collective operation"));
  const auto group = c.optional<DeviceGroup>(
      "group", DeviceGroup{}, "the devices, rank i = the i-th; `all`: every device in id order");
  tc.group_at = c.where("group");
  tc.all_devices = group.all;
  tc.ids = group.ids;
  tc.work.bytes = c.required<Bytes>("bytes",
                                    "S, per rank as NCCL counts it (the whole buffer for all_gather and "
                                    "reduce_scatter; each rank's send buffer for all_to_all)");
  read_algorithm(c, tc, names);
  const bool rooted = tc.work.op == CollectiveOp::kBroadcast || tc.work.op == CollectiveOp::kReduce;
  const bool sparse = tc.work.op == CollectiveOp::kSparseAllReduce;
  const bool grid = tc.work.algorithm == "auto" || tc.work.algorithm == "dim_rings";
  const auto only = [&](std::string_view key, bool used, std::string_view who) {
    c.check(!c.has(key) || used, key, fmt::format("is only used by {}", who));
  };
  only("root", rooted, "broadcast and reduce");
  only("density", sparse, "sparse_all_reduce");
  only("dims", grid, "the dim_rings algorithm (or auto)");
  const auto root = c.maybe<int>("root", "broadcast, reduce: the root's rank in the group (default 0)");
  tc.root_at = c.where("root");
  const auto density = c.maybe<double>("density",
                                       "sparse_all_reduce: k, the kept (top-k) share of the buffer's "
                                       "elements, in (0, 1]");
  const auto dims = c.maybe<std::vector<int>>(
      "dims", "dim_rings: the group as a grid (rank = row-major index), e.g. [4, 4]");
  tc.dims_at = c.where("dims");
  tc.start_time = c.optional<Duration>("start_time", Duration{}, "when the collective starts");
  if (d) return tc;
  if (!group.all) {
    c.check(!group.ids.empty(), "group", "the group is empty: a collective needs at least one device");
    std::set<int> seen;
    for (int id : group.ids) {
      c.check(id >= 0, "group", fmt::format("device ids must not be negative, got {}", id));
      c.check(seen.insert(id).second, "group", fmt::format("device {} appears twice in the group", id));
    }
  }
  c.check(tc.work.bytes >= Bytes(0), "bytes", "must not be negative");
  c.check(tc.start_time >= Duration{}, "start_time", "must not be negative");
  if (root) {
    c.check(*root >= 0 && (group.all || *root < static_cast<int>(group.ids.size())), "root",
            fmt::format("root {} is not a rank of the group (0 to {})", *root,
                        group.all ? std::string("n-1") : std::to_string(group.ids.size() - 1)));
    tc.work.root = *root;
  }
  if (sparse) {
    c.check(density.has_value(), "density",
            "missing required key 'density' (k as a fraction) for sparse_all_reduce");
    c.check(*density > 0 && *density <= 1, "density", fmt::format("must be in (0, 1], got {}", *density));
    tc.work.density = *density;
  }
  if (dims) {
    for (int e : *dims) c.check(e >= 1, "dims", fmt::format("every extent must be at least 1, got {}", e));
    tc.work.dims = *dims;
  }
  return tc;
}

}  // namespace

TrafficParams TrafficParams::read(config::Reader& r, const CollectiveNames& names) {
  TrafficParams p;
  r.list("flows", "point-to-point flows, one entry per pattern", false,
         [&](config::Reader& f, std::size_t) { p.flows.push_back(read_pattern(f)); });
  r.list("collectives", "collectives, each independent of the others", false,
         [&](config::Reader& c, std::size_t) { p.collectives.push_back(read_collective(c, names)); });
  r.check(!p.flows.empty() || !p.collectives.empty(), "", "needs `flows`, `collectives` or both");
  return p;
}

namespace {

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
                                                           const ClusterShape& cluster) {
  const int n = cluster.devices;
  const int target = f.target.value_or(0);
  if (target >= n) throw ConfigError(f.target_at, f.key + ".target", range_error(target, n));
  if (n < 2) {
    throw ConfigError(SourceLocation{}, f.key + ".pattern",
                      fmt::format("pattern '{}' needs at least 2 devices, the cluster has {}", f.pattern, n));
  }
  const RngStreams streams(cluster.seed);
  Pairs out;
  if (f.pattern == "permutation") return permutation(n, streams.stream("traffic.permutation", index));
  if (f.pattern == "hot_spot")
    return hot_spot(n, target, f.fraction, streams.stream("traffic.hot_spot", index));
  if (f.pattern == "all_to_all") {
    if (static_cast<double>(n) * (n - 1) > kMaxTransfers) {
      throw ConfigError(SourceLocation{}, f.key + ".pattern",
                        fmt::format("all_to_all over {} devices is {:.3g} flows, more than the {:.0e} orrery simulates "
                                    "in memory",
                                    n, static_cast<double>(n) * (n - 1), kMaxTransfers));
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
    if (tc.all_devices) {
      for (int i = 0; i < n; ++i) w.group.emplace_back(i);
    } else {
      for (int id : tc.ids) {
        if (id >= n) throw ConfigError(tc.group_at, tc.key + ".group", range_error(id, n));
        w.group.emplace_back(id);
      }
    }
    const int p = static_cast<int>(w.group.size());
    // A collective lowers to about p² point-to-point transfers (a ring: 2p(p−1)).
    if (static_cast<double>(p) * (p - 1) > kMaxTransfers) {
      throw ConfigError(tc.group_at, tc.key + ".group",
                        fmt::format("a collective over {} ranks runs about {:.3g} point-to-point transfers, more than "
                                    "the {:.0e} orrery simulates in memory; use a smaller group",
                                    p, 2.0 * p * (p - 1), kMaxTransfers));
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
  const TaskGraph& graph = lowered.graph;
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
