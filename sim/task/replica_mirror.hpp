// Replica reduction: a task graph that holds the work of some data-parallel
// replicas (one per class of replicas the network treats alike) and stands
// for all. A task whose devices all belong to one simulated replica (its
// compute, its sends, its own collectives) is per-replica work that every
// other member of that replica's class repeats on its own devices at the same
// times; a task that reaches several replicas (data-parallel reductions, ZeRO
// gathers) is shared and runs once, as in the full graph. The executor adds
// the copies' link loads, the run copies memory timelines, and workloads
// weigh per-replica traffic by the copies in their summaries.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/ids.hpp"

namespace orrery::task {

struct ReplicaMirror {
  // Per device of the cluster: the simulated device that plays its part
  // (itself for a simulated device).
  std::vector<std::int32_t> part;
  // Per device: its data-parallel replica.
  std::vector<std::int32_t> replica;
  // Per simulated device: the devices that play its part in the other
  // members of its replica's class, in the class's order (the same order for
  // every device of a replica); empty for the others.
  std::vector<std::vector<std::int32_t>> copies;
  // The replicas the graph holds (one per class of alike replicas).
  int simulated_replicas = 0;

  [[nodiscard]] bool simulated(DeviceId d) const { return part[static_cast<std::size_t>(d.value())] == d.value(); }
  // How many copies of `d`'s replica the graph does not hold.
  [[nodiscard]] int copies_of(DeviceId d) const {
    return static_cast<int>(copies[static_cast<std::size_t>(d.value())].size());
  }
  // The device playing simulated device `d`'s part in copy `j` (0-based).
  [[nodiscard]] DeviceId in_copy(int j, DeviceId d) const {
    return DeviceId(copies[static_cast<std::size_t>(d.value())][static_cast<std::size_t>(j)]);
  }
  // The replicas a task over `devices` stands for: 1 + its replica's copies
  // when all devices belong to one simulated replica (per-replica work), else
  // 1 (shared work).
  [[nodiscard]] std::int64_t stands_for(std::span<const DeviceId> devices) const {
    if (devices.empty()) return 1;
    const std::int32_t r = replica[static_cast<std::size_t>(devices.front().value())];
    for (const DeviceId d : devices)
      if (!simulated(d) || replica[static_cast<std::size_t>(d.value())] != r) return 1;
    return 1 + copies_of(devices.front());
  }
};

// 1 when there is no mirror.
[[nodiscard]] inline std::int64_t stands_for(const ReplicaMirror* m, std::span<const DeviceId> devices) {
  return m ? m->stands_for(devices) : 1;
}

}  // namespace orrery::task
