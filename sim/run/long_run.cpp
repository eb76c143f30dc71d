#include "sim/run/long_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <limits>

#include "models/failure/checkpoint_interval.hpp"
#include "sim/core/error.hpp"

namespace orrery::run {

double shared_write_time(std::vector<double> bytes, double egress, double storage) {
  std::sort(bytes.begin(), bytes.end());
  double t = 0, done = 0;  // bytes each still-active node has written
  std::size_t active = bytes.size();
  for (double b : bytes) {
    const double rate = std::min(egress, storage / static_cast<double>(active));
    if (b > done) {
      t += (b - done) / rate;
      done = b;
    }
    --active;
  }
  return t;
}

horizon::Setup horizon_setup(const Scenario& s, Duration iteration_time, std::optional<int> replicas, bool warn) {
  const horizon::Policies& p = s.policies;
  const exec::Cluster cluster(s.cluster);
  horizon::Setup h;
  h.seed = s.seed;
  h.nodes = s.cluster.nodes;
  h.gpus_per_node = s.cluster.node->devices();
  h.nics_per_node = s.cluster.node->nics();
  models::ClusterCounts counts;
  counts.gpus = cluster.device_count();
  counts.nodes = s.cluster.nodes;
  counts.nics = static_cast<std::int64_t>(s.cluster.nodes) * s.cluster.node->nics();
  const topo::Topology& out = cluster.graph().scale_out();
  for (const auto& v : out.vertices()) counts.switches += v.kind == topo::VertexKind::kSwitch ? 1 : 0;
  counts.links = static_cast<std::int64_t>(out.links().size() / 2);
  counts.nodes_per_switch = p.failures ? p.failures->nodes_per_switch : 1;
  h.nodes_per_switch = counts.nodes_per_switch;
  if (!p.failures) {
    throw ConfigError(p.at, "policies.failures", "the long-horizon simulation needs policies.failures");
  }
  if (!p.horizon) {
    throw ConfigError(p.at, "policies.horizon", "the long-horizon simulation needs policies.horizon (days, length or iterations)");
  }
  if (p.failures->llama3) {
    h.classes = models::llama3_profile(counts, p.failures->detection, p.failures->repair);
  } else {
    h.classes = p.failures->classes;
    for (auto& c : h.classes) {
      c.components = std::max<std::int64_t>(1, models::components_of(c.scope, counts));
      if (c.scope == models::FailureScope::kSwitch) c.nodes_taken = counts.nodes_per_switch;
    }
  }
  // Recovery.
  static const horizon::RecoverySpec kManual{"restart", horizon::kManualDetection, horizon::kManualRestart, 0, true, {}};
  const horizon::RecoverySpec& r = p.recovery ? *p.recovery : kManual;
  h.detection = r.detection;
  h.restart = r.restart;
  h.spares = r.spares;
  h.repair = r.repair;
  // Horizon.
  h.length = p.horizon->length;
  h.iterations = p.horizon->iterations;
  h.iteration_time = p.horizon->iteration_time.value_or(iteration_time);
  h.replicas = replicas.value_or(p.horizon->replicas);
  if (h.replicas < 1) throw ConfigError("--replicas: must be at least 1");
  // Checkpoint costs.
  static const horizon::CheckpointSpec kNone{};
  const horizon::CheckpointSpec& c = p.checkpoint ? *p.checkpoint : kNone;
  h.kind = c.kind;
  {
    // Failures one replica would draw: beyond ten million the MTBF is a mistake.
    const double span_s = h.length > Duration{} ? h.length.seconds() : (h.iteration_time * h.iterations).seconds();
    const double failures = span_s * models::failure_rate(h.classes) * h.replicas;
    if (failures > 1e7) {
      throw ConfigError(p.at, "policies.failures",
                        fmt::format("{:.3g} failures in {} replicas (a job MTBF of {}); the simulation stops at 1e7",
                                    failures, h.replicas, to_string(models::job_mtbf(h.classes))));
    }
  }
  if (c.kind == horizon::CheckpointKind::kNone) return h;
  workload::ClusterShape shape = cluster.shape();
  const std::vector<std::int64_t> device_bytes = s.workload->checkpoint_bytes(shape);
  double write_s = 0, snapshot_s = 0, parity_s = 0;
  if (c.cost) {
    write_s = snapshot_s = c.cost->seconds();
  } else {
    if (device_bytes.empty()) {
      throw ConfigError(c.interval_at, "policies.checkpoint",
                        "this workload has no model states to checkpoint; give checkpoint.cost");
    }
    const int per_node = s.cluster.node->devices();
    std::vector<double> node_bytes(static_cast<std::size_t>(s.cluster.nodes), 0.0);
    double device_max = 0;
    for (std::size_t d = 0; d < device_bytes.size(); ++d) {
      node_bytes[d / static_cast<std::size_t>(per_node)] += static_cast<double>(device_bytes[d]);
      device_max = std::max(device_max, static_cast<double>(device_bytes[d]));
    }
    double nic = s.cluster.node->nic_bandwidth() ? s.cluster.node->nic_bandwidth()->bytes_per_s() : 0;
    if (nic <= 0 && s.cluster.device && s.cluster.device->nic_bandwidth.present) nic = s.cluster.device->nic_bandwidth.value.bytes_per_s();
    const double egress = nic > 0 ? nic * s.cluster.node->nics() : std::numeric_limits<double>::max();
    write_s = shared_write_time(node_bytes, egress, c.storage_bandwidth.bytes_per_s());
    double pcie = 0;
    if (s.cluster.host && s.cluster.host->pcie_bandwidth.present) pcie = s.cluster.host->pcie_bandwidth.value.bytes_per_s();
    if (pcie <= 0 && s.cluster.device && s.cluster.device->pcie_bandwidth.present) pcie = s.cluster.device->pcie_bandwidth.value.bytes_per_s();
    if (c.kind != horizon::CheckpointKind::kSync && pcie <= 0) {
      throw ConfigError(c.interval_at, "policies.checkpoint",
                        "a snapshot to host memory needs a PCIe bandwidth: cluster.host or the device's pcie_bandwidth");
    }
    snapshot_s = pcie > 0 ? device_max / pcie : write_s;
    if (c.kind == horizon::CheckpointKind::kInMemory) {
      // Erasure coding: each node sends its share of parity, bytes × parity / (group − parity), over its NICs.
      const double most = *std::max_element(node_bytes.begin(), node_bytes.end());
      parity_s = nic > 0 ? most * c.parity / (c.group - c.parity) / egress : 0;
    }
  }
  const auto secs = [](double x) { return Duration::ns(static_cast<std::int64_t>(std::ceil(x * 1e9))); };
  h.storage_write = secs(write_s);
  h.restore_storage = secs(write_s);
  h.pause = c.kind == horizon::CheckpointKind::kSync ? secs(write_s) : secs(snapshot_s);
  h.persist = c.kind == horizon::CheckpointKind::kAsync ? secs(write_s) : secs(parity_s);
  h.restore_memory = secs(snapshot_s + parity_s);
  h.interference = c.interference;
  h.storage_interval = c.storage_interval;
  h.group = c.group;
  h.parity = c.parity;
  const Duration mtbf = models::job_mtbf(h.classes);
  switch (c.rule) {
    case horizon::IntervalRule::kFixed:
      h.interval = c.interval;
      break;
    case horizon::IntervalRule::kYoung:
      h.interval = models::young_interval(std::max(h.pause, Duration::ns(1)), mtbf);
      break;
    case horizon::IntervalRule::kDaly:
      h.interval = models::daly_interval(std::max(h.pause, Duration::ns(1)), mtbf);
      break;
  }
  if (warn && h.interval < h.pause) {
    std::cerr << fmt::format(
        "warning: policies.checkpoint.interval: {} between checkpoints is shorter than one checkpoint ({}): more "
        "time goes to checkpoints than to training\n",
        to_string(h.interval), to_string(h.pause));
  }
  // What one replica would have to simulate: checkpoints over the horizon (or
  // the work). Beyond ten million the interval is a mistake, not a study.
  const double span_s = h.length > Duration{} ? h.length.seconds() : (h.iteration_time * h.iterations).seconds();
  const double checkpoints = span_s / std::max(1e-9, h.interval.seconds()) * h.replicas;
  if (checkpoints > 1e7) {
    throw ConfigError(c.interval_at, "policies.checkpoint.interval",
                      fmt::format("{} between checkpoints makes {:.3g} checkpoints over {} in {} replicas; the "
                                  "simulation stops at 1e7 — choose a longer interval (young or daly pick one)",
                                  to_string(h.interval), checkpoints,
                                  to_string(Duration::ns(static_cast<std::int64_t>(span_s * 1e9))), h.replicas));
  }
  // (τ + δ) / M failures expected per checkpoint cycle: beyond ~40 a cycle
  // completes with probability e^-40 — the run never makes progress.
  const double cycles = (h.interval + h.pause).seconds() / mtbf.seconds();
  if (cycles > 40) {
    throw ConfigError(c.interval_at, "policies.checkpoint.interval",
                      fmt::format("{} between checkpoints plus {} to write one is {:.0f} times the job's mean time "
                                  "between failures ({}): the run can never make progress",
                                  to_string(h.interval), to_string(h.pause), cycles, to_string(mtbf)));
  }
  return h;
}

void run_long_horizon(const Scenario& s, RunOutput& out, std::optional<int> replicas, unsigned threads) {
  Summary& sum = out.recorder->summary();
  Duration iteration;
  if (const auto* v = sum.find("iteration_time_s"); v && std::holds_alternative<double>(*v)) {
    iteration = Duration::ns(static_cast<std::int64_t>(std::get<double>(*v) * 1e9));
  }
  const horizon::Setup h = horizon_setup(s, iteration, replicas);
  if (h.iteration_time <= Duration{}) {
    throw ConfigError(s.policies.at, "policies.horizon.iteration_time",
                      "the workload gives no iteration time; set policies.horizon.iteration_time");
  }
  (void)horizon::simulate(h, out.recorder.get(), threads);
  const Duration mtbf = models::job_mtbf(h.classes);
  sum.set("job_mtbf_s", mtbf.seconds());
  sum.set("horizon_iteration_time_s", h.iteration_time.seconds());
  if (h.kind != horizon::CheckpointKind::kNone) {
    sum.set("checkpoint_interval_s", h.interval.seconds());
    sum.set("checkpoint_cost_s", h.pause.seconds());
    sum.set("checkpoint_write_s", h.storage_write.seconds());
    if (h.pause > Duration{}) {
      sum.set("young_interval_s", models::young_interval(h.pause, mtbf).seconds());
      sum.set("daly_interval_s", models::daly_interval(h.pause, mtbf).seconds());
    }
  }
}

}  // namespace orrery::run
