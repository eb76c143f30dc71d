// Runs a scenario end to end: builds the cluster, lowers the workload,
// executes the task graph on a fresh engine and fills a Recorder with the
// spans, link usage, memory and summary. Used by `orrery run` and by tests.
#pragma once

#include <memory>
#include <optional>

#include "sim/run/run_context.hpp"
#include "sim/run/scenario.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::run {

struct RunOutput {
  std::unique_ptr<trace::Recorder> recorder;
  std::uint64_t events = 0;
  // The simulated iteration, for workloads that iterate (Workload::iterates):
  // what the long-horizon simulation repeats.
  std::optional<Duration> iteration_time;
};

// Throws ConfigError (the spec does not fit the cluster) or InfeasibleError.
// With `timeline` false the run records no spans and no memory counter samples
// (what /events, /counters and the Perfetto trace are made of) — the summary,
// /links and /memory are complete either way.
RunOutput simulate(const Scenario& scenario, RunContext& context, bool timeline = true);
// The same on a context of its own.
RunOutput simulate(const Scenario& scenario, bool timeline = true);

}  // namespace orrery::run
