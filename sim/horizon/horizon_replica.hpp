// One replica of the long-horizon simulation (horizon.hpp has the model): a
// seed's failures, checkpoints and restarts on its own event engine, and the
// rows it leaves for the tables that simulate() records.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/horizon/horizon.hpp"

namespace orrery::horizon {

struct FailureRow {
  double time_s;
  int cls;
  std::int64_t component;
  double lost_s, down_s;
  RestoreSource source;
};
struct CheckpointRow {
  double time_s, progress_s;
  int storage;  // 1: durable on storage, 0: in host memory
};
struct RestartRow {
  double start_s, end_s;
};

struct ReplicaOut {
  ReplicaStats stats;
  std::vector<FailureRow> failures;
  std::vector<CheckpointRow> checkpoints;
  std::vector<RestartRow> restarts;
};

[[nodiscard]] ReplicaOut run_replica(const Setup& s, int index);

}  // namespace orrery::horizon
