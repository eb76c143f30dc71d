// Runs a scenario end to end: builds the cluster, lowers the workload,
// executes the task graph on a fresh engine and fills a Recorder with the
// spans, link usage, memory and summary. Used by `orrery run` and by tests.
#pragma once

#include <memory>

#include "sim/exec/collective_lowering.hpp"
#include "sim/run/scenario.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::run {

struct RunOutput {
  std::unique_ptr<trace::Recorder> recorder;
  std::uint64_t events = 0;
};

// Throws ConfigError (the spec does not fit the cluster) or InfeasibleError.
// With `timeline` false the run records no spans and no memory counter samples
// (what /events, /counters and the Perfetto trace are made of) — the summary,
// /links and /memory are complete either way.
RunOutput simulate(const Scenario& scenario, bool timeline = true);

// The workloads' view of the cluster's device (cost model over its calibration
// table, host tier); null when the cluster names no GPU.
std::unique_ptr<workload::DeviceModel> device_model(const exec::ClusterSpec& cluster);

// Collectives a group runs alone, priced on the cluster's routes from the
// run's plan cache (for lowering).
std::unique_ptr<workload::CollectivePricer> collective_pricer(exec::CollectivePlans& plans);

}  // namespace orrery::run
