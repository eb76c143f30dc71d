// The pricing pass: between lowering and execution, it prices what a workload
// left as operations and collectives (task_graph.hpp's cost tables) with the
// device's cost model and the run's collective plans, fills the tasks'
// durations, heads and tails, and returns each entry's price. Lowering stays
// pure: a calibration table or a kernel set changes prices here, and no
// workload needs to know.
#pragma once

#include "sim/task/pricing.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::exec {

// Prices every entry of `graph`'s cost tables and every task that names one
// or a host path. A compute entry's time is the sum over its terms of
// ⌊multiplier × Σ operation ns⌋, in the order the terms are listed; a group
// entry's is the sum over its calls of count × the call's price. `device` may
// be null and `collectives` too when the graph names nothing they price
// (std::logic_error otherwise); the device's ValueError (an operation it has
// no peak for) and the pricer's InfeasibleError pass through.
task::Prices price(task::TaskGraph& graph, const task::DeviceModel* device,
                   const task::CollectivePricer* collectives);

}  // namespace orrery::exec
