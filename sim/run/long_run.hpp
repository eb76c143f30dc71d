// The policies' runs on top of one simulated iteration: the long-horizon
// failure/checkpoint/restart simulation (sim/horizon/horizon.hpp) and bubble
// filling (sim/horizon/bubble_filling.hpp), set up from the scenario's cluster
// and workload.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/core/progress.hpp"
#include "sim/run/simulation.hpp"
#include "sim/horizon/horizon.hpp"

namespace orrery::run {

// The horizon simulation's inputs: failure classes counted on the cluster,
// checkpoint costs from the workload's bytes (written through each node's
// NICs to the storage tier, max-min shared), the interval (fixed, Young's or
// Daly's from the job MTBF and that cost), recovery. Throws ConfigError at the
// policy key when the setup cannot make progress; an interval shorter than
// the checkpoint runs, with a line in the result's `warnings`.
horizon::Setup horizon_setup(const Scenario& s, const exec::Cluster& cluster, Duration iteration_time,
                             std::optional<int> replicas);

// Runs the long-horizon simulation and adds its tables and summary keys to
// `out`, repeating its simulated iteration (out.iteration_time) unless the
// scenario's horizon gives iteration_time. Returns the set-up's warnings for
// the caller to show.
[[nodiscard]] std::vector<std::string> run_long_horizon(const Scenario& s, const exec::Cluster& cluster,
                                                        RunOutput& out, std::optional<int> replicas,
                                                        unsigned threads = 0, const ProgressFn& progress = {});

}  // namespace orrery::run
