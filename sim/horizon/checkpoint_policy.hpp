// What a checkpoint kind (`policies.checkpoint.kind`) decides, behind one
// interface so that the long-horizon replica (horizon_replica.cpp) and the set-up
// (sim/run/long_run.cpp) never switch on the kind:
//  * its costs, from the model-state bytes and the cluster's figures;
//  * at each checkpoint, how long training pauses, whether the copy goes to
//    storage, and what runs in the background afterwards;
//  * at a failure, which copy it may restore from and at what load time.
// One kind = one file (checkpoint_none, checkpoint_sync, checkpoint_async,
// checkpoint_in_memory) and one line in policies.cpp's register_builtin.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/config/registry.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::horizon {

// Where a failure's rollback came from (the /failures table's `restored_from`).
enum class RestoreSource : std::uint8_t { kStart, kStorage, kHostCopy, kInMemory, kWhileDown };
inline constexpr std::array kRestoreSources{RestoreSource::kStart, RestoreSource::kStorage,
                                            RestoreSource::kHostCopy, RestoreSource::kInMemory,
                                            RestoreSource::kWhileDown};
[[nodiscard]] std::string_view name_of(RestoreSource s);
// Its name in summary keys (`restores_from_KEY_per_class`).
[[nodiscard]] std::string_view key_of(RestoreSource s);

// What set-up knows of the cluster when it prices a checkpoint. Bandwidths in
// bytes/s; 0 where the cluster does not say.
struct ClusterFigures {
  std::vector<double> node_bytes;  // model-state bytes per node (empty: the workload has none)
  double device_max_bytes = 0;     // the largest one device holds
  double nic = 0;                  // one NIC's bandwidth
  double egress = 0;               // a node's NICs together (unbounded without a NIC bandwidth)
  double pcie = 0;                 // device to host
};

// Where the nodes sit, for the kinds that place copies on them: a switch
// failure takes `nodes_per_switch` consecutive nodes (the failure domain).
struct NodeLayout {
  int nodes = 1;
  int nodes_per_switch = 1;
};

// A kind's costs: what the replica runs with.
struct CheckpointCosts {
  Duration pause;            // δ, training waits
  Duration persist;          // the background work after a snapshot
  Duration storage_write;    // a checkpoint written to storage
  Duration restore_storage;  // load from storage on restart
  Duration restore_memory;   // load from host memory
  double interference = 0;   // training slowdown while the background work runs
};

// Time to write `bytes` (one entry per node) when every node writes at once
// at most `egress` each, all sharing `storage` (max-min fair: progressive
// filling). Seconds.
[[nodiscard]] double shared_write_time(std::vector<double> bytes, double egress, double storage);

// `seconds` rounded up to the nanosecond.
[[nodiscard]] Duration ceil_duration(double seconds);

// What every periodic kind reads: the interval (fixed, or Young's / Daly's
// optimum) and the storage tier.
enum class IntervalRule : std::uint8_t { kFixed, kYoung, kDaly };
struct PeriodicParams {
  IntervalRule rule = IntervalRule::kDaly;
  Duration interval;             // when fixed
  Bandwidth storage_bandwidth;   // aggregate of the storage tier (write and read)
  std::optional<Duration> cost;  // given instead of computed from the bytes
  SourceLocation interval_at;

  static PeriodicParams read(config::Reader& r);
  // τ for a checkpoint that pauses `pause`, on a job of mean time between failures `mtbf`.
  [[nodiscard]] Duration interval_for(Duration pause, Duration mtbf) const;
  // A write of every node's bytes to storage (the given cost instead). Throws
  // ConfigError when the workload has no bytes and no cost is given.
  [[nodiscard]] double write_s(const ClusterFigures& c) const;
  // A snapshot of each device to host memory over PCIe (the given cost
  // instead). Throws ConfigError without a PCIe bandwidth.
  [[nodiscard]] double snapshot_s(const ClusterFigures& c) const;
};

// What a checkpoint does when it starts.
struct CheckpointStep {
  Duration pause;
  bool to_storage = false;  // durable on storage when the pause ends
};
// Background work after a checkpoint's pause.
struct Background {
  Duration length;
  bool to_storage = false;  // the copy is durable on storage when it ends
};
// A copy to roll back to.
struct Restore {
  Duration progress;
  Duration load;
  RestoreSource source = RestoreSource::kStorage;
};

// One replica's copies beyond the storage checkpoint (host copy, erasure-coded
// memory), kept by the kind.
class CheckpointCopies {
 public:
  virtual ~CheckpointCopies() = default;
  // A checkpoint starts at wall time `now`.
  [[nodiscard]] virtual CheckpointStep begin(Time now) = 0;
  // Its pause ended at `now` with a copy of progress `value`.
  [[nodiscard]] virtual std::optional<Background> end(Time now, Duration value, bool to_storage) = 0;
  // A failure that takes `lost_nodes` (none: a software failure) hits a
  // running or checkpointing job: the newest usable copy, given the storage one.
  [[nodiscard]] virtual Restore restore(std::span<const int> lost_nodes, const Restore& storage) = 0;
  // After every failure (also while down): what the lost nodes held is gone.
  virtual void lose(std::span<const int> /*lost_nodes*/) {}
};

class CheckpointPolicy {
 public:
  virtual ~CheckpointPolicy() = default;
  // The interval and storage tier; nullptr when the job never checkpoints.
  [[nodiscard]] virtual const PeriodicParams* periodic() const = 0;
  // Throws ConfigError (at the section) when the cluster lacks a figure it needs.
  [[nodiscard]] virtual CheckpointCosts costs(const ClusterFigures& cluster) const = 0;
  [[nodiscard]] virtual std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& costs,
                                                                const NodeLayout& layout) const = 0;
  // What set-up should tell the user about this kind on `layout` when switch
  // failures are drawn (e.g. copies that one switch failure always loses).
  [[nodiscard]] virtual std::vector<std::string> switch_warnings(const NodeLayout& /*layout*/) const { return {}; }
};
using CheckpointRegistry = config::Registry<std::shared_ptr<const CheckpointPolicy>>;

// `none`: what a scenario without policies.checkpoint gets (checkpoint_none.cpp).
[[nodiscard]] std::shared_ptr<const CheckpointPolicy> no_checkpoints();

}  // namespace orrery::horizon
