// A collective task as the algorithms see it, and its lowering to a plan:
// the named algorithm, or for `auto` the one the tuner predicts fastest on the
// group's routes (models/collective/collective_cost.hpp). The executor runs
// the plan's transfers; workloads price collectives that a group runs alone
// with the prediction (workload::CollectivePricer). Both look plans up by
// collective_hash / same_plan, which cover everything a plan depends on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/collective/collective_algorithm.hpp"
#include "sim/exec/cluster.hpp"
#include "workloads/task_graph.hpp"

namespace orrery::exec {

[[nodiscard]] models::CollectiveCall collective_call(const workload::CollectiveWork& c, const Cluster& cluster);

struct LoweredPlan {
  std::shared_ptr<const models::CollectivePlan> plan;
  std::string algorithm;  // the one that runs: as named, or the tuner's pick
  Duration predicted;     // the alpha-beta prediction of the plan on the group's routes
};

// Throws InfeasibleError when the algorithm is unknown or nothing can run the call.
[[nodiscard]] LoweredPlan lower_collective(const workload::CollectiveWork& c, const Cluster& cluster,
                                           const models::CollectiveLibrary& library);

// FNV-1a over every field a plan depends on, and the full comparison, so that
// looking a plan up allocates nothing.
[[nodiscard]] std::uint64_t collective_hash(const workload::CollectiveWork& c);
[[nodiscard]] bool same_plan(const workload::CollectiveWork& a, const workload::CollectiveWork& b);

}  // namespace orrery::exec
