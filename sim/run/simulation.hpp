// Runs a scenario end to end on a RunContext (the cluster, built once), lowers the workload,
// executes the task graph on a fresh engine, reports its timeline to a
// Recorder (which passes what its selection keeps to its observers) and fills
// the Recorder's link usage, memory and summary. Used by `orrery run` and by tests.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "sim/core/progress.hpp"
#include "sim/run/run_context.hpp"
#include "sim/run/scenario.hpp"
#include "sim/trace/record_selection.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::run {

struct RunOutput {
  std::unique_ptr<trace::Recorder> recorder;
  std::uint64_t events = 0;
  // The simulated iteration, for workloads that iterate (Workload::iterates):
  // what the long-horizon simulation repeats.
  std::optional<Duration> iteration_time;
  // The workload's warnings on the prediction (Workload::warnings).
  std::vector<std::string> warnings;
  // How many data-parallel replicas were simulated when a replica reduction
  // let them stand for the others (0: no reduction; lower_for_run in simulation.cpp).
  int simulated_replicas = 0;
};

// A recorder that knows the task kinds' names (the `kinds` of /events).
[[nodiscard]] std::unique_ptr<trace::Recorder> make_recorder();

// Throws ConfigError (the spec does not fit the cluster, or `selection` names
// a device outside it) or InfeasibleError. `selection` (`representative`
// resolved to the workload's replica_devices()) says which spans and memory
// counter samples (what /events, /counters and the Perfetto trace are made of)
// reach the recorder's observers; with no observer, the executor reports
// nothing. The summary, /links and /memory are complete either way.
// `progress` (may be empty) is told the share of the iteration's tasks finished.
//
// `executed` (may be empty) is given the lowered graph and its task times
// after the run (orrery run --chakra); a workload that submits work while the
// run goes (serving) has no whole graph to give, and is a ConfigError then.
using ExecutedFn = std::function<void(const task::TaskGraph&, const task::TaskTimes&)>;
RunOutput simulate(const Scenario& scenario, RunContext& context, std::unique_ptr<trace::Recorder> recorder,
                   const trace::RecordSelection& selection, const ProgressFn& progress = {},
                   const ExecutedFn& executed = {});
RunOutput simulate(const Scenario& scenario, std::unique_ptr<trace::Recorder> recorder,
                   const trace::RecordSelection& selection);

// On a context of its own. With `timeline`, the whole timeline is kept in
// memory (recorder->spans(), counters()); without, none is recorded.
RunOutput simulate(const Scenario& scenario, bool timeline = true);

}  // namespace orrery::run
