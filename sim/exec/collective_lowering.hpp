// A collective task as the algorithms see it, and its lowering to a plan:
// the named algorithm, or for `auto` the one the tuner predicts fastest on the
// group's routes (models/collective/collective_cost.hpp). The executor runs
// the plan's transfers; the pricing pass prices collectives that a group runs
// alone with the prediction (task::CollectivePricer). Both look plans up by
// collective_hash / same_plan, which cover everything a plan depends on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "models/collective/collective_algorithm.hpp"
#include "models/collective/collective_cost.hpp"
#include "sim/exec/cluster.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::exec {

[[nodiscard]] models::CollectiveCall collective_call(const task::CollectiveWork& c, const Cluster& cluster);

struct LoweredPlan {
  std::shared_ptr<const models::CollectivePlan> plan;
  std::string algorithm;  // the one that runs: as named, or the tuner's pick
  Duration predicted;     // the alpha-beta prediction of the plan on the group's routes
  Bytes bytes;            // what the plan sends over links, all ranks together
};

// Throws InfeasibleError when the algorithm is unknown or nothing can run the call.
// Plans come from `cache` when given.
[[nodiscard]] LoweredPlan lower_collective(const task::CollectiveWork& c, const Cluster& cluster,
                                           const models::CollectiveLibrary& library,
                                           models::PlanCache* cache = nullptr);

// FNV-1a over every field a plan depends on, and the full comparison, so that
// looking a plan up allocates nothing.
[[nodiscard]] std::uint64_t collective_hash(const task::CollectiveWork& c);
[[nodiscard]] bool same_plan(const task::CollectiveWork& a, const task::CollectiveWork& b);

// The run's one plan cache: each distinct collective (collective_hash /
// same_plan) is lowered once, whoever asks first — the workloads' pricer while
// lowering, or the executor when the collective starts.
class CollectivePlans {
 public:
  CollectivePlans(const Cluster& cluster, const models::CollectiveLibrary& library)
      : cluster_(cluster), library_(library) {}
  [[nodiscard]] const models::CollectiveLibrary& library() const { return library_; }
  // Throws InfeasibleError, caching nothing, when it cannot be lowered. The
  // reference stays valid for the cache's life.
  const LoweredPlan& get(const task::CollectiveWork& c);

 private:
  struct Entry {
    task::CollectiveWork key;
    LoweredPlan lowered;
  };
  const Cluster& cluster_;
  const models::CollectiveLibrary& library_;
  std::unordered_multimap<std::uint64_t, Entry> cache_;
  models::PlanCache plans_;  // shared by groups of the same shape
};

}  // namespace orrery::exec
