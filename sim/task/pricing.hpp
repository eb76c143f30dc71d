// What the pricing pass (sim/exec/pricing.hpp) prices a lowered task graph
// with, and what it gives back. A workload lowers to operations and
// collectives (task_graph.hpp's cost tables); the run's composition root
// (sim/run/run_context.cpp) implements these interfaces over the device's
// cost model and the run's collective plans. Workloads see only DeviceFacts:
// a device's datasheet figures, never a price.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/task/operation.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::task {

// The figures of the device in every slot of the cluster and of its host.
// A calibrated operation whose shape is more than this log2 distance from
// every measured row of its kind (Euclidean over the row's shape coordinates:
// 1 = a factor of 2 along one axis; the centre of a 4-D cell of a power-of-two
// grid is at exactly 1) stands on far ground: the summaries'
// far_calibration_time_fraction counts its time.
inline constexpr double kFarCalibration = 1.0;

class DeviceFacts {
 public:
  virtual ~DeviceFacts() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // Dense peak for the type; throws ValueError when the device has none.
  [[nodiscard]] virtual FlopRate peak(DType t) const = 0;
  [[nodiscard]] virtual Bytes memory_capacity() const = 0;
  // The host tier (`cluster.host`), for offload; zero when the scenario names no host.
  [[nodiscard]] virtual Bandwidth pcie_bandwidth() const = 0;
  [[nodiscard]] virtual Bandwidth host_memory_bandwidth() const = 0;
  [[nodiscard]] virtual Bandwidth nvme_read_bandwidth() const = 0;
  [[nodiscard]] virtual Bandwidth nvme_write_bandwidth() const = 0;
  [[nodiscard]] virtual Bytes host_memory_capacity() const = 0;
  [[nodiscard]] virtual Bytes nvme_capacity() const = 0;
  // The bandwidth of one host path (zero for kNone).
  [[nodiscard]] Bandwidth bandwidth(HostPath path) const;
  // Neural-field engines beside the SMs (an NGPC, models/compute/ngpc.hpp):
  // a neural field's work runs there while the SMs run the other kernels.
  [[nodiscard]] virtual bool neural_engines() const { return false; }
};

// The device's figures and the time of one operation (models/compute's cost
// model, calibrated where a table covers it).
class DeviceModel : public DeviceFacts {
 public:
  struct OperationCost {
    Duration time;
    bool calibrated = false;  // false: no calibration row covered it (documented default efficiencies)
    // A dataflow device takes its next operation after `issue` (the rest of
    // `time` is its pipeline's depth); zero: after all of `time`.
    Duration issue;
    // A calibrated operation's log2 distance from the nearest measured row of
    // its kind (0 at a measured shape); far past kFarCalibration its time
    // stands on a row measured at another shape.
    double distance = 0;
  };
  // Throws ValueError when the device cannot run the operation (no peak for its type).
  [[nodiscard]] virtual OperationCost cost(const Operation& op) const = 0;
  [[nodiscard]] Duration time(const Operation& op) const { return cost(op).time; }
};

// The price of a collective that a group runs alone, in lockstep, on links no
// other traffic uses (tensor parallelism inside a node): the alpha-beta
// prediction of its algorithm's plan on the group's routes
// (models/collective/collective_cost.hpp; `auto` picks the algorithm with the
// least prediction, as the executor's tuner does).
struct CollectivePrice {
  Duration time;
  std::int64_t bytes = 0;  // sent over links, all ranks together
  std::string algorithm;
};
class CollectivePricer {
 public:
  virtual ~CollectivePricer() = default;
  // Throws InfeasibleError when no algorithm can run it.
  [[nodiscard]] virtual CollectivePrice price(const CollectiveWork& c) const = 0;
};

// One ComputeCost entry, priced: its time, and what of it no calibration row
// covered (operations counted and time, each term's share scaled by its
// multiplier and truncated as the time is).
struct PricedCompute {
  Duration time;
  std::int64_t uncalibrated = 0;
  Duration uncalibrated_time;
  Duration far_time;  // calibrated, but farther than kFarCalibration from every measured row
};
struct PricedGroup {
  Duration time;
  std::int64_t bytes = 0;
};
// What the pass gives back, by entry of the graph's cost tables.
struct Prices {
  std::vector<PricedCompute> compute;
  std::vector<PricedGroup> groups;
};

}  // namespace orrery::task
