// Reading the `traffic` workload (traffic.hpp): flow patterns, collectives
// and their device groups; traffic.cpp lowers them and summarizes the run.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sim/core/suggest.hpp"
#include "workloads/traffic.hpp"

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
  fp.pattern_at = f.where("pattern");
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
    const std::string full = f.beside_file(*path);
    try {
      fp.csv = read_flow_csv(full, full, f.key_path("file"), f.where("file"));
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
  tc.algorithm_at = c.where("algorithm");
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
      "group", DeviceGroup{},
      "the devices, rank i = the i-th; `all`: every device in id order, or, for dim_rings (or dims given) "
      "on a grid network (torus, hammingmesh, one device per node), in the network's row-major grid order");
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
      "dims",
      "dim_rings: the group as a grid (rank = row-major index), e.g. [4, 4]; with group `all` on a grid "
      "network, the network's extents by default");
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
  p.max_transfers = r.limits().tasks;
  p.names = &names;
  r.list("flows", "point-to-point flows, one entry per pattern", false,
         [&](config::Reader& f, std::size_t) { p.flows.push_back(read_pattern(f)); });
  r.list("collectives", "collectives, each independent of the others", false,
         [&](config::Reader& c, std::size_t) { p.collectives.push_back(read_collective(c, names)); });
  r.check(!p.flows.empty() || !p.collectives.empty(), "", "needs `flows`, `collectives` or both");
  return p;
}

}  // namespace orrery::workload
