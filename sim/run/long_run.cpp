#include "sim/run/long_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "models/failure/checkpoint_interval.hpp"
#include "sim/core/error.hpp"
#include "sim/horizon/recovery_restart.hpp"

namespace orrery::run {

namespace {

// What a checkpoint kind may need of the cluster to price itself.
horizon::ClusterFigures cluster_figures(const Scenario& s, const exec::Cluster& cluster) {
  horizon::ClusterFigures f;
  workload::ClusterShape shape = cluster.shape();
  const std::vector<std::int64_t> device_bytes = s.workload->checkpoint_bytes(shape);
  const int per_node = s.cluster.node->devices();
  if (!device_bytes.empty()) f.node_bytes.assign(static_cast<std::size_t>(s.cluster.nodes), 0.0);
  for (std::size_t d = 0; d < device_bytes.size(); ++d) {
    f.node_bytes[d / static_cast<std::size_t>(per_node)] += static_cast<double>(device_bytes[d]);
    f.device_max_bytes = std::max(f.device_max_bytes, static_cast<double>(device_bytes[d]));
  }
  f.nic = s.cluster.node->nic_bandwidth() ? s.cluster.node->nic_bandwidth()->bytes_per_s() : 0;
  if (f.nic <= 0 && s.cluster.device && s.cluster.device->nic_bandwidth.present)
    f.nic = s.cluster.device->nic_bandwidth.value.bytes_per_s();
  f.egress = f.nic > 0 ? f.nic * s.cluster.node->nics() : std::numeric_limits<double>::max();
  if (s.cluster.host && s.cluster.host->pcie_bandwidth.present) f.pcie = s.cluster.host->pcie_bandwidth.value.bytes_per_s();
  if (f.pcie <= 0 && s.cluster.device && s.cluster.device->pcie_bandwidth.present)
    f.pcie = s.cluster.device->pcie_bandwidth.value.bytes_per_s();
  return f;
}

// The components that fail, counted on the cluster.
models::ClusterCounts cluster_counts(const Scenario& s, const exec::Cluster& cluster) {
  models::ClusterCounts counts;
  counts.gpus = cluster.device_count();
  counts.nodes = s.cluster.nodes;
  counts.nics = static_cast<std::int64_t>(s.cluster.nodes) * s.cluster.node->nics();
  const topo::Topology& out = cluster.graph().scale_out();
  for (const auto& v : out.vertices()) counts.switches += v.kind == topo::VertexKind::kSwitch ? 1 : 0;
  counts.links = static_cast<std::int64_t>(out.links().size() / 2);
  counts.nodes_per_switch = s.policies.failures ? s.policies.failures->nodes_per_switch() : 1;
  return counts;
}

}  // namespace

horizon::Setup horizon_setup(const Scenario& s, const exec::Cluster& cluster, Duration iteration_time,
                             std::optional<int> replicas) {
  const horizon::Policies& p = s.policies;
  horizon::Setup h;
  h.seed = s.seed;
  h.nodes = s.cluster.nodes;
  h.gpus_per_node = s.cluster.node->devices();
  h.nics_per_node = s.cluster.node->nics();
  const models::ClusterCounts counts = cluster_counts(s, cluster);
  h.nodes_per_switch = counts.nodes_per_switch;
  if (!p.failures) {
    throw ConfigError(p.at, "policies.failures", "the long-horizon simulation needs policies.failures");
  }
  if (!p.horizon) {
    throw ConfigError(p.at, "policies.horizon", "the long-horizon simulation needs policies.horizon (days, length or iterations)");
  }
  h.classes = p.failures->classes(counts);
  // Recovery.
  static const horizon::ManualRestart kManual;  // what a scenario without policies.recovery gets
  const horizon::RecoveryPolicy& recovery = p.recovery ? *p.recovery : static_cast<const horizon::RecoveryPolicy&>(kManual);
  const horizon::Recovery& r = recovery.recovery();
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
  // Checkpoint costs, from the kind.
  h.checkpoint = p.checkpoint ? p.checkpoint : horizon::no_checkpoints();
  const horizon::PeriodicParams* c = h.checkpoint->periodic();
  if (!c) return h;
  h.costs = h.checkpoint->costs(cluster_figures(s, cluster));
  const bool switch_failures = std::any_of(h.classes.begin(), h.classes.end(), [](const models::FailureClass& k) {
    return k.scope == models::FailureScope::kSwitch && k.components > 0;
  });
  if (switch_failures) {
    for (auto& w : h.checkpoint->switch_warnings(horizon::NodeLayout{h.nodes, h.nodes_per_switch}))
      h.warnings.push_back(std::move(w));
  }
  const Duration mtbf = models::job_mtbf(h.classes);
  h.interval = c->interval_for(h.costs.pause, mtbf);
  if (h.interval < h.costs.pause) {
    h.warnings.push_back(
        fmt::format("policies.checkpoint.interval: {} between checkpoints is shorter than one checkpoint ({}): more "
                    "time goes to checkpoints than to training",
                    to_string(h.interval), to_string(h.costs.pause)));
  }
  // What one replica would have to simulate: checkpoints over the horizon (or
  // the work). Beyond ten million the interval is a mistake, not a study.
  const double span_s = h.length > Duration{} ? h.length.seconds() : (h.iteration_time * h.iterations).seconds();
  const double checkpoints = span_s / std::max(1e-9, h.interval.seconds()) * h.replicas;
  if (checkpoints > 1e7) {
    throw ConfigError(c->interval_at, "policies.checkpoint.interval",
                      fmt::format("{} between checkpoints makes {:.3g} checkpoints over {} in {} replicas; the "
                                  "simulation stops at 1e7 — choose a longer interval (young or daly pick one)",
                                  to_string(h.interval), checkpoints,
                                  to_string(Duration::ns(static_cast<std::int64_t>(span_s * 1e9))), h.replicas));
  }
  // (τ + δ) / M failures expected per checkpoint cycle: beyond ~40 a cycle
  // completes with probability e^-40 — the run never makes progress.
  const double cycles = (h.interval + h.costs.pause).seconds() / mtbf.seconds();
  if (cycles > 40) {
    throw ConfigError(c->interval_at, "policies.checkpoint.interval",
                      fmt::format("{} between checkpoints plus {} to write one is {:.0f} times the job's mean time "
                                  "between failures ({}): the run can never make progress",
                                  to_string(h.interval), to_string(h.costs.pause), cycles, to_string(mtbf)));
  }
  return h;
}

std::vector<std::string> run_long_horizon(const Scenario& s, const exec::Cluster& cluster, RunOutput& out,
                                          std::optional<int> replicas, unsigned threads, const ProgressFn& progress) {
  Summary& sum = out.recorder->summary();
  horizon::Setup h = horizon_setup(s, cluster, out.iteration_time.value_or(Duration{}), replicas);
  h.progress = progress;
  if (h.iteration_time <= Duration{}) {
    throw ConfigError(s.policies.at, "policies.horizon.iteration_time",
                      "the workload gives no iteration time; set policies.horizon.iteration_time");
  }
  (void)horizon::simulate(h, out.recorder.get(), threads);
  const Duration mtbf = models::job_mtbf(h.classes);
  sum.set("job_mtbf_s", mtbf.seconds());
  sum.set("horizon_iteration_time_s", h.iteration_time.seconds());
  if (h.checkpoint->periodic()) {
    const Duration pause = h.costs.pause;
    sum.set("checkpoint_interval_s", h.interval.seconds());
    sum.set("checkpoint_cost_s", pause.seconds());
    sum.set("checkpoint_write_s", h.costs.storage_write.seconds());
    if (pause > Duration{}) {
      sum.set("young_interval_s", models::young_interval(pause, mtbf).seconds());
      sum.set("daly_interval_s", models::daly_interval(pause, mtbf).seconds());
    }
  }
  return h.warnings;
}

}  // namespace orrery::run
