// Reading the `chakra` workload's keys and trace, lowering the merged trace to
// a task graph, and its summary (chakra_workload.hpp).
#include "workloads/chakra/chakra_workload.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "workloads/traffic.hpp"

namespace orrery::workload::chakra {

ChakraParams ChakraParams::read(config::Reader& r, const CollectiveNames& names) {
  ChakraParams p;
  p.key = r.key_path("trace");
  const auto trace = r.required<std::string>(
      "trace",
      "the trace: a path prefix (files PREFIX.0.et, PREFIX.1.et, ...; PREFIX.RANK.et.txt for orrery's text form) "
      "or a folder that holds one trace, relative to the scenario; rank i runs on device i");
  p.trace_at = r.where("trace");
  const auto groups = r.maybe<std::string>(
      "comm_groups",
      "ASTRA-sim's communicator group file (JSON, {\"1\": [0, 1], ...}: a group's pg_name and its ranks in order) "
      "for collective nodes whose pg_name names a group (default: PREFIX.comm_groups.json when it exists)");
  std::vector<std::string> algorithms{"auto"};
  for (auto& a : names.algorithms()) algorithms.push_back(std::move(a));
  MergeOptions options;
  options.max_transfers = r.limits().tasks;
  options.algorithm = r.choice("algorithm", algorithms, "auto",
                               "the algorithm of collective nodes that name none (orrery_algorithm): `auto` (the "
                               "least predicted time on the cluster's routes) or a registered one");
  p.names = &names;
  p.algorithm_key = r.key_path("algorithm");
  p.algorithm_at = r.where("algorithm");
  options.algorithm_key = p.algorithm_key;
  options.algorithm_at = p.algorithm_at;
  const auto ranks = r.maybe<int>("ranks", "how many ranks (files) the trace must have (default: as many as it has)");
  if (r.describing()) return p;
  TraceFiles files;
  try {
    files = find_trace_files(r.beside_file(trace));
  } catch (const ValueError& e) {
    r.fail("trace", e.what());
  }
  p.prefix = files.prefix;
  if (ranks) {
    r.check(*ranks >= 1, "ranks", "must be at least 1");
    r.check(static_cast<std::size_t>(*ranks) == files.files.size(), "ranks",
            fmt::format("the trace '{}' has {} ranks (files), not {}", p.prefix, files.files.size(), *ranks));
  }
  CommGroups comm_groups;
  std::string groups_file = groups ? r.beside_file(*groups) : files.prefix + ".comm_groups.json";
  const bool have_groups = groups.has_value() || std::filesystem::exists(groups_file);
  if (have_groups) {
    try {
      comm_groups = read_comm_groups(groups_file, r.key_path("comm_groups"));
    } catch (const ValueError& e) {
      r.fail("comm_groups", e.what());
    }
  }
  options.key = p.key;
  options.groups = have_groups ? &comm_groups : nullptr;
  options.groups_file = groups_file;
  options.names = &names;
  std::vector<RankTrace> traces;
  try {
    traces = read_trace(files, p.key);
  } catch (const ValueError& e) {  // a file that cannot be read (its contents' faults are located ConfigErrors)
    r.fail("trace", e.what());
  }
  p.trace = std::make_shared<const ImportedTrace>(merge_ranks(std::move(traces), options));
  return p;
}

// A named algorithm that cannot run the collective on this cluster
// (dim_rings without a grid, hierarchical on nodes of one rank): an error at
// the node that names it, or at `algorithm` when the node names none.
void ChakraWorkload::check_algorithm(const ImportedTask& t, const ClusterShape& cluster) const {
  if (!p_.names) return;
  const std::string why = p_.names->why_not(t.collective, cluster.devices_per_node);
  if (why.empty()) return;
  const std::string message =
      fmt::format("{} cannot run the collective of node {} here: {}", t.collective.algorithm, t.node, why);
  if (t.named_algorithm)
    throw ConfigError(t.at, fmt::format("{}.node[{}].orrery_algorithm", p_.key, t.node), message);
  throw ConfigError(p_.algorithm_at, p_.algorithm_key, message);
}

Lowered ChakraWorkload::lower(const ClusterShape& cluster) const {
  const ImportedTrace& trace = *p_.trace;
  if (trace.ranks > cluster.devices) {
    throw ConfigError(p_.trace_at, p_.key,
                      fmt::format("the trace has {} ranks ('{}.0.et' to '{}.{}.et'), but the cluster has {} devices: "
                                  "rank i runs on device i",
                                  trace.ranks, p_.prefix, p_.prefix, trace.ranks - 1, cluster.devices));
  }
  Lowered out;
  TaskGraph& g = out.graph;
  std::size_t edges = 0;
  for (const auto& p : trace.preds) edges += p.size();
  g.reserve(trace.tasks.size(), edges);
  std::map<std::pair<std::int64_t, std::int64_t>, std::int32_t> priced;  // (num_ops, tensor_size) -> cost entry
  for (const ImportedTask& t : trace.tasks) {
    const DeviceId device(t.device);
    TaskId id;
    switch (t.kind) {
      case ImportedTask::Kind::kCompute: {
        ComputeWork w(device, Duration::ns(t.duration_ns));
        if (t.priced) {
          const auto [it, fresh] = priced.try_emplace({t.num_ops, t.tensor_size}, -1);
          if (fresh) {
            // Chakra's roofline pair as one memory-bound kernel: tensor_size bytes, num_ops FLOPs.
            const Elementwise op{PointwiseKind::kElementwise, t.tensor_size,
                                 static_cast<double>(t.num_ops) / static_cast<double>(t.tensor_size)};
            it->second = g.add_cost(ComputeCost{{CostTerm{{op}, 1.0}}});
            if (out.price_key.empty()) {
              out.price_at = t.at;
              out.price_key = p_.key;
            }
          }
          w.cost = it->second;
        }
        id = g.add(w, TaskKind::kCompute, t.name);
        break;
      }
      case ImportedTask::Kind::kDelay:
        id = g.add(DelayWork{device, Duration::ns(t.duration_ns), Bytes(t.bytes)}, TaskKind::kOther, t.name);
        break;
      case ImportedTask::Kind::kTransfer:
        id = g.add(TransferWork{device, DeviceId(t.dst), Bytes(t.bytes)}, TaskKind::kSend, t.name);
        break;
      case ImportedTask::Kind::kCollective:
        check_algorithm(t, cluster);
        id = g.add(t.collective, TaskKind::kCollective, t.name);
        break;
    }
    if (t.not_before_ns > 0) g.not_before(id, Time::zero() + Duration::ns(t.not_before_ns));
  }
  // Each task's predecessors in increasing order: a task's successors are released in increasing order.
  for (std::size_t t = 0; t < trace.preds.size(); ++t)
    for (const std::int32_t u : trace.preds[t]) g.depend(TaskId(u), TaskId(static_cast<std::int32_t>(t)));
  return out;
}

void ChakraWorkload::summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const {
  TrafficWorkload::summarize_graph(lowered.graph, times, out);
  out.set("chakra_nodes", p_.trace->nodes);
}

}  // namespace orrery::workload::chakra
