// The long-horizon simulation: weeks of training as failures, checkpoints,
// restarts and re-computed work on the event engine, with the iteration time
// taken from the training simulation of the same scenario. One replica is one
// seed; replicas run in parallel on the available cores and each writes only
// its own results, so the outcome does not depend on the thread count.
//
// Model (per replica). Training progress is work time, advancing at rate 1 (or
// 1 − interference while a checkpoint persists in the background). Every τ of
// progress the job checkpoints: it pauses δ (sync: the write to storage;
// async and in-memory: the snapshot to host memory), then the checkpoint is
// durable — at once (sync), after the background persist (async: on storage;
// the host copy serves failures that take no node), or erasure-coded across
// groups of nodes (in-memory: a failure that takes at most `parity` nodes of
// any group since the last snapshot restores from memory; otherwise from the
// last storage checkpoint, taken every storage_interval). Failures arrive from
// every class's process, in every state, as in Daly (2006): a failure rolls
// progress back to the newest checkpoint it can use, takes its nodes out
// (replaced by spares at once, else the job waits for their repair) and puts
// the job down for detection + restart + restore; a failure while down starts
// the recovery over. Goodput is useful progress ÷ wall time. What a kind does
// at a checkpoint and which copy a failure may use are the checkpoint
// policy's (checkpoint_policy.hpp): the replica asks it, never the kind.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/failure/failure_model.hpp"
#include "sim/core/progress.hpp"
#include "sim/horizon/policies.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::horizon {

struct Setup {
  ProgressFn progress;  // told the share of replicas done (from the worker threads)
  std::vector<models::FailureClass> classes;  // components counted on the cluster
  std::shared_ptr<const CheckpointPolicy> checkpoint = no_checkpoints();
  CheckpointCosts costs;     // the checkpoint policy's, on this cluster
  Duration interval;         // τ, of progress
  std::optional<Duration> detection;  // overrides the classes'
  Duration restart;
  int spares = 0;
  bool repair = true;
  Duration length;            // wall time to simulate (0: until `iterations` are done)
  std::int64_t iterations = 0;
  Duration iteration_time;
  int replicas = 1;
  std::uint64_t seed = 1;
  int nodes = 1, gpus_per_node = 1, nics_per_node = 1, nodes_per_switch = 1;
  // A failure log to replay instead of drawing failures (every replica the
  // same): when each happens, its class, and the failed component.
  struct ScriptedFailure {
    Duration at;
    int cls = 0;
    std::int64_t component = 0;
  };
  std::vector<ScriptedFailure> script;
  // What set-up found questionable but runnable (e.g. an interval shorter
  // than a checkpoint); the CLI prints them.
  std::vector<std::string> warnings;
};

struct ReplicaStats {
  double wall_s = 0, useful_s = 0, lost_s = 0, checkpoint_s = 0, down_s = 0;
  std::int64_t failures = 0, checkpoints = 0;
  bool finished = false;  // iterations mode: reached the target within the cap
  [[nodiscard]] double goodput() const { return wall_s > 0 ? useful_s / wall_s : 0; }
};

struct Result {
  std::vector<ReplicaStats> replicas;
};

// Runs every replica; with a recorder, adds the /failures, /checkpoints,
// /restarts and /replicas tables and the summary keys (means with 95%
// confidence half-widths over replicas).
Result simulate(const Setup& setup, trace::Recorder* recorder, unsigned threads = 0);

// Mean and 95% confidence half-width (1.96 standard errors) of `x`.
struct MeanCi {
  double mean = 0, ci95 = 0;
};
[[nodiscard]] MeanCi mean_ci(const std::vector<double>& x);

}  // namespace orrery::horizon
