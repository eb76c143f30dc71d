// Workloads lower to the task vocabulary of sim/task (operations, task graphs,
// collective names) and speak it unqualified.
#pragma once

#include "sim/task/collective_names.hpp"
#include "sim/task/operation.hpp"
#include "sim/task/pricing.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::workload {
using namespace ::orrery::task;  // NOLINT(google-build-using-namespace): the vocabulary is the workloads' own language
}  // namespace orrery::workload
