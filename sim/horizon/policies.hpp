// The policies of a scenario (`policies:`), each a registered kind:
//   failures:       classes (user-given failure classes) | llama3 (the Llama 3 profile)
//   checkpoint:     none | sync | async | in_memory
//   recovery:       restart (manual operations) | transom (automatic, TRANSOM-like)
//   bubble_filling: kfac (PipeFisher's K-FAC work) | tasks (a list of filler tasks)
//   horizon:        how long to simulate (days or iterations) and how many replicas
// Failures, checkpoints and recovery drive the long-horizon simulation
// (horizon.hpp); bubble filling runs on the simulated iteration (bubble_filling.hpp).
// Reading is pure; the numbers that need the cluster (component counts,
// checkpoint bytes) are filled in when the run is set up. Failure, checkpoint
// and recovery kinds are plugins behind failure_policy.hpp,
// checkpoint_policy.hpp and recovery_policy.hpp, one file per kind.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/config/registry.hpp"
#include "sim/horizon/checkpoint_policy.hpp"
#include "sim/horizon/failure_policy.hpp"
#include "sim/horizon/recovery_policy.hpp"

namespace orrery::horizon {

// ---- horizon
struct HorizonSpec {
  Duration length;                        // wall time to simulate (or 0 with iterations)
  std::int64_t iterations = 0;            // train this many iterations (time to train)
  std::optional<Duration> iteration_time; // given instead of simulated from the workload
  int replicas = 20;
};

// ---- bubble filling
struct FillerTask {
  std::string name;
  Duration duration;
  int count = 1;  // per iteration and device
};
struct BubbleFillingSpec {
  std::string kind;                 // kfac | tasks
  std::vector<FillerTask> tasks;    // tasks
  int kfac_refreshes = 1;           // kfac: curvature refreshes wanted per iteration (what "fully refreshed" means)
};
using BubbleFillingRegistry = config::Registry<std::shared_ptr<const BubbleFillingSpec>>;

struct Policies {
  std::shared_ptr<const FailurePolicy> failures;
  std::shared_ptr<const CheckpointPolicy> checkpoint;  // none when absent
  std::shared_ptr<const RecoveryPolicy> recovery;      // manual restart when absent
  std::optional<HorizonSpec> horizon;
  std::shared_ptr<const BubbleFillingSpec> bubble_filling;
  SourceLocation at;
  [[nodiscard]] bool long_horizon() const { return failures || horizon.has_value(); }
};

struct PolicyRegistries {
  FailureRegistry failures{"failures"};
  CheckpointRegistry checkpoints{"checkpoint"};
  RecoveryRegistry recoveries{"recovery"};
  BubbleFillingRegistry fillers{"bubble_filling"};
};

// The built-in kinds, one line each (policies.cpp).
void register_builtin(PolicyRegistries& r);

// The `policies` section's keys.
Policies read_policies(config::Reader& r, const PolicyRegistries& registries);

}  // namespace orrery::horizon
