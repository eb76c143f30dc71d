// Replica reduction: a task graph that holds one data-parallel replica's work
// and stands for `copies()` alike replicas. The graph's tasks whose devices
// all belong to replica 0 (its compute, its sends, its own collectives) are
// per-replica work that every other replica repeats on its own devices at the
// same times; tasks that reach other replicas' devices (data-parallel
// reductions, ZeRO gathers) are shared and run once, as in the full graph.
// The executor adds the copies' link loads, the run copies memory timelines,
// and workloads weigh per-replica traffic by copies() in their summaries.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/ids.hpp"

namespace orrery::task {

struct ReplicaMirror {
  // copy[r][d]: the device that plays replica-0 device d's part in replica r
  // (copy[0][d] = d); -1 where d is not a device of replica 0.
  std::vector<std::vector<std::int32_t>> copy;
  // Per device of the cluster: the replica-0 device whose part it plays
  // (itself for replica 0's devices).
  std::vector<std::int32_t> part;

  [[nodiscard]] int copies() const { return static_cast<int>(copy.size()); }
  [[nodiscard]] bool in_first(DeviceId d) const {
    return part[static_cast<std::size_t>(d.value())] == d.value();
  }
  [[nodiscard]] DeviceId in_copy(int r, DeviceId d) const {
    return DeviceId(copy[static_cast<std::size_t>(r)][static_cast<std::size_t>(d.value())]);
  }
  // The replicas a task over `devices` stands for: all copies when every
  // device is replica 0's (per-replica work), else 1 (shared work).
  [[nodiscard]] std::int64_t stands_for(std::span<const DeviceId> devices) const {
    for (const DeviceId d : devices)
      if (!in_first(d)) return 1;
    return copies();
  }
};

// 1 when there is no mirror.
[[nodiscard]] inline std::int64_t stands_for(const ReplicaMirror* m, std::span<const DeviceId> devices) {
  return m ? m->stands_for(devices) : 1;
}

}  // namespace orrery::task
