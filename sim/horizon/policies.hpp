// The policies of a scenario (`policies:`), each a registered kind:
//   failures:       classes (user-given failure classes) | llama3 (the Llama 3 profile)
//   checkpoint:     none | sync | async | in_memory
//   recovery:       restart (manual operations) | transom (automatic, TRANSOM-like)
//   bubble_filling: kfac (PipeFisher's K-FAC work) | tasks (a list of filler tasks)
//   horizon:        how long to simulate (days or iterations) and how many replicas
// Failures, checkpoints and recovery drive the long-horizon simulation
// (horizon.hpp); bubble filling runs on the simulated iteration (bubble_filling.hpp).
// Reading is pure; the numbers that need the cluster (component counts,
// checkpoint bytes) are filled in when the run is set up.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/failure/failure_model.hpp"
#include "sim/config/reader.hpp"
#include "sim/config/registry.hpp"

namespace orrery::horizon {

// ---- failures
struct FailureSpec {
  bool llama3 = false;                          // the named profile
  std::vector<models::FailureClass> classes;    // user-given (components filled from the cluster)
  Duration detection;                           // profile: for every class
  Duration repair;
  int nodes_per_switch = 8;                     // what a switch failure takes
};
using FailureRegistry = config::Registry<std::shared_ptr<const FailureSpec>>;

// ---- checkpoints
enum class CheckpointKind : std::uint8_t { kNone, kSync, kAsync, kInMemory };
enum class IntervalRule : std::uint8_t { kFixed, kYoung, kDaly };
struct CheckpointSpec {
  CheckpointKind kind = CheckpointKind::kNone;
  IntervalRule rule = IntervalRule::kDaly;
  Duration interval;               // when fixed
  Bandwidth storage_bandwidth;     // aggregate of the storage tier (write and read)
  std::optional<Duration> cost;    // given instead of computed from the bytes
  double interference = 0;         // async / in-memory: training slowdown while persisting in the background
  int group = 0;                   // in-memory: nodes per erasure-coding group
  int parity = 0;                  // in-memory: parity blocks per group (survives `parity` lost nodes)
  Duration storage_interval;       // in-memory: also persisted to storage this often (0: never)
  SourceLocation interval_at;
};
using CheckpointRegistry = config::Registry<std::shared_ptr<const CheckpointSpec>>;

// ---- recovery
// The defaults of manual operations (`restart`; ours, stated: someone notices
// in 30 min and relaunches in 1 h), also what a scenario without
// policies.recovery gets.
inline constexpr Duration kManualDetection = Duration::s(1800);
inline constexpr Duration kManualRestart = Duration::s(3600);

struct RecoverySpec {
  std::string kind;
  std::optional<Duration> detection;  // overrides the failure classes' when set
  Duration restart;                   // reschedule, relaunch, initialise (before the checkpoint is loaded)
  int spares = 0;                     // spare nodes
  bool repair = true;                 // failed nodes come back after their repair time
  SourceLocation spares_at;
};
using RecoveryRegistry = config::Registry<std::shared_ptr<const RecoverySpec>>;

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
  std::shared_ptr<const FailureSpec> failures;
  std::shared_ptr<const CheckpointSpec> checkpoint;
  std::shared_ptr<const RecoverySpec> recovery;
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

void register_builtin(PolicyRegistries& r);

// The `policies` section's keys.
Policies read_policies(config::Reader& r, const PolicyRegistries& registries);

}  // namespace orrery::horizon
