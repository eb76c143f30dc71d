// A workload lowers its spec to a task graph for a given cluster, and turns
// the executed task times into summary values. Both steps are pure: no engine,
// no cost model — the graph names operations and collectives, and the pricing
// pass (sim/exec/pricing.hpp) prices them between lowering and the run. Each
// workload kind is one file, registered by name.
#pragma once

#include <any>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/config/registry.hpp"
#include "sim/core/error.hpp"
#include "sim/core/progress.hpp"
#include "sim/core/summary.hpp"
#include "sim/core/units.hpp"
#include "sim/task/replica_mirror.hpp"
#include "sim/task/task_source.hpp"
#include "workloads/vocabulary.hpp"
#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

// What a workload may know of the cluster it is lowered onto.
struct ClusterShape {
  int devices = 0;
  int devices_per_node = 1;
  std::uint64_t seed = 1;  // the scenario seed: workloads that draw random numbers use named streams of it
  // The device's figures (peak, memory, host tier), null when the scenario
  // names no device that runs operations. Never a price: lowering leaves
  // operations and collectives to the pricing pass (sim/exec/pricing.hpp).
  const DeviceFacts* device = nullptr;
  // The devices as the network's grid (topo::Grid: extents, and the device of
  // each row-major rank) when the scale-out network is a grid of one device
  // per node; empty otherwise.
  std::vector<int> grid_dims;
  std::vector<int> grid_order;
};

// A device's memory at its peak, for the out-of-memory check.
struct MemoryPeak {
  int device = 0;
  std::int64_t peak = 0;
  std::array<std::int64_t, kMemoryCategoryCount> at_peak{};
};

// Work that bubble filling may place in a device's idle time (PipeFisher's
// K-FAC): a refresh item belongs to a curvature refresh, the others are
// needed every step.
struct FillerWork {
  std::string name;
  std::vector<Operation> ops;  // priced by the device model where the run sets up bubble filling
  bool refresh = false;
};

// What lowering gives back: the task graph, and the facts the workload found
// while building it that summarize() reports (training: the model FLOPs it
// counted, which cost entries to add up for the calibration's coverage).
// Facts are data returned with the graph, so that lowering stays a const
// function with no state; each workload kind keeps its own type in `facts`
// (empty when it has none) and reads it back with std::any_cast. The pricing
// pass fills `prices` (by entry of the graph's cost tables) before the run
// and before summarize() and warnings() read them; an operation the device
// cannot price (no peak for its type) is reported as a ConfigError at
// `price_at`, `price_key` (the keys that chose the device and the types).
struct Lowered {
  TaskGraph graph;
  std::any facts;
  Prices prices;
  SourceLocation price_at;
  std::string price_key;
  // Set when the graph holds representative data-parallel replicas that
  // stand for the others (Workload::lower_replicas, sim/task/replica_mirror.hpp).
  std::optional<task::ReplicaMirror> mirror;
};

// A table of float64 columns that a workload leaves in the HDF5 file beside
// the standard ones (serving: /requests, /iterations), row-major; `labels`
// are string-array attributes naming the categories integer columns index.
struct ResultTable {
  std::string name;
  std::vector<std::string> columns;
  std::vector<double> values;  // rows × columns
  std::vector<std::pair<std::string, std::vector<std::string>>> labels;
};

// What a task source prices the work it decides while the run goes with: the
// same device model and collective pricer the pricing pass uses (built by the
// run's composition root). `device` is null when the cluster has no device
// that runs operations.
struct RuntimePricing {
  const DeviceModel* device = nullptr;
  const CollectivePricer* collectives = nullptr;
};

// A workload that decides its work while the run goes (serving: arrivals,
// continuous batching, a router) runs as a task source beside its lowered
// graph, and summarizes from what it saw.
class RunningWorkload : public TaskSource {
 public:
  // After the run: summary values (`times` covers the fixed graph and every submitted task).
  virtual void summarize(const TaskTimes& times, Summary& out) const = 0;
  // After the run: the workload's own result tables.
  [[nodiscard]] virtual std::vector<ResultTable> tables() const { return {}; }
  // Where the run stands, in the workload's own terms (serving: requests
  // finished); the executor's share of tasks says little when tasks keep
  // coming. Called before the run.
  virtual void report_progress(ProgressFn /*progress*/) {}
  // After the run: what the user should know about the ground its figures
  // stand on (as Workload::warnings, for what only the run itself priced).
  [[nodiscard]] virtual std::vector<std::string> warnings() const { return {}; }
};

// The data-parallel replicas of a workload whose work is alike but for its
// devices: plays[r][i] is the device of replica r that plays the part of
// replica 0's i-th device, base()[i] = plays[0][i]. Replica 0's devices only,
// not a map over the cluster per replica: at 131,072 GPUs in 2,048 replicas
// of 64, that map was 1 GiB.
struct ReplicaMaps {
  std::vector<std::vector<std::int32_t>> plays;
  [[nodiscard]] std::size_t replicas() const { return plays.size(); }
  [[nodiscard]] const std::vector<std::int32_t>& base() const { return plays.front(); }
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Throws ConfigError (at the offending key) when the spec does not fit the cluster.
  [[nodiscard]] virtual Lowered lower(const ClusterShape& cluster) const = 0;
  // Replica reduction (sim/task/replica_mirror.hpp). The data-parallel
  // replicas whose work is alike but for its devices (ReplicaMaps); none
  // when the workload has none to offer.
  [[nodiscard]] virtual ReplicaMaps replica_maps(const ClusterShape& /*cluster*/) const { return {}; }
  // The iteration with only replicas `replicas` (ascending, 0 first) built:
  // their own work, and the work they share with the others (collectives over
  // every replica) whole. Only called when replica_maps() offers replicas.
  [[nodiscard]] virtual Lowered lower_replicas(const ClusterShape& /*cluster*/, const std::vector<int>& /*replicas*/) const {
    throw std::logic_error("lower_replicas: this workload offers no replicas");
  }
  // `lowered` is what lower() returned for the run that gave `times`.
  virtual void summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const = 0;
  // What the user should know about the ground a prediction stands on (e.g. a
  // device's calibration that covers little of the work): one line each.
  [[nodiscard]] virtual std::vector<std::string> warnings(const Lowered& /*lowered*/) const { return {}; }
  // The task source that runs beside the lowered graph (null: the graph is
  // all the work). Throws ConfigError or InfeasibleError as lower() does.
  [[nodiscard]] virtual std::unique_ptr<RunningWorkload> start(const ClusterShape& /*cluster*/,
                                                               const Lowered& /*lowered*/,
                                                               const RuntimePricing& /*pricing*/) const {
    return nullptr;
  }
  // A workload whose layout leaves a size to the cluster (training's `dp:
  // auto`) gives a copy with it filled from the device count, and the keys it
  // filled (path under `workload`, value) for the resolved scenario; an empty
  // Fitted when nothing is left to fill. Throws ConfigError at the key when
  // the devices do not divide.
  struct Fitted {
    std::shared_ptr<const Workload> workload;
    std::vector<std::pair<std::string, int>> filled;
  };
  [[nodiscard]] virtual Fitted fit_devices(int /*devices*/) const { return {}; }
  // Whether the graph is one iteration of a job that repeats it (training):
  // the long-horizon simulation then repeats the simulated iteration.
  [[nodiscard]] virtual bool iterates() const { return false; }
  // For a workload that iterates: the time between the starts of consecutive
  // iterations, from the simulated one. The makespan by default (iterations
  // separated by a synchronising optimizer step); shorter when the next
  // iteration may start on each device before the last one ends (pipeline's
  // `optimizer_step: post_validation`).
  [[nodiscard]] virtual Duration iteration_period(const Lowered& /*lowered*/, const TaskTimes& times) const {
    return times.makespan - Time::zero();
  }
  // After the run: throws InfeasibleError when a device held more memory than
  // it has (the workload decides whether to check). Nothing by default.
  virtual void check_memory(const ClusterShape& /*cluster*/, const std::vector<MemoryPeak>& /*peaks*/) const {}
  // Devices whose memory timeline is another's (lockstep groups that the
  // lowering tracks on one device): (device, the device it mirrors).
  [[nodiscard]] virtual std::vector<std::pair<DeviceId, DeviceId>> memory_mirrors(const ClusterShape& /*cluster*/) const {
    return {};
  }
  // The devices of one data-parallel replica (the first), in increasing order:
  // what `--record-devices representative` records of a large run. Empty when
  // the workload has no replicas (then every device is recorded).
  [[nodiscard]] virtual std::vector<DeviceId> replica_devices(const ClusterShape& /*cluster*/) const { return {}; }
  // Bytes each device writes to a checkpoint (model states); empty when the
  // workload has nothing to checkpoint.
  [[nodiscard]] virtual std::vector<std::int64_t> checkpoint_bytes(const ClusterShape& /*cluster*/) const { return {}; }
  // K-FAC work per device for bubble filling (empty when the workload has no layers).
  [[nodiscard]] virtual std::vector<std::pair<DeviceId, std::vector<FillerWork>>> kfac_work(
      const ClusterShape& /*cluster*/) const {
    return {};
  }
};

using WorkloadRegistry = config::Registry<std::shared_ptr<const Workload>>;

// `collectives` names the algorithms workloads may ask for; it must outlive the registry.
void register_builtin(WorkloadRegistry& workloads, const ScheduleRegistry& schedules,
                      const CollectiveNames& collectives);

}  // namespace orrery::workload
