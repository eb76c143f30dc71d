// `checkpoint: { kind: in_memory }`: snapshots to host memory, erasure-coded
// across groups of `group` nodes (parity exchanged in the background), which
// survive while no group has lost more than `parity` nodes since the last
// snapshot; every `storage_interval` a checkpoint goes to storage instead, the
// fallback beyond that.
#pragma once

#include "sim/horizon/checkpoint_policy.hpp"

namespace orrery::horizon {

class InMemoryCheckpoint final : public CheckpointPolicy {
 public:
  static constexpr std::string_view kDescription =
      "snapshot to host memory, erasure-coded across groups of nodes (survives `parity` lost nodes per "
      "group), "
      "with storage checkpoints every storage_interval as the fallback";
  struct Params {
    PeriodicParams periodic;
    int group = 8;              // nodes per erasure-coding group
    int parity = 2;             // parity blocks per group (survives `parity` lost nodes)
    Duration storage_interval;  // also persisted to storage this often (0: never)
    double interference = 0;    // training slowdown while parity is exchanged
  };
  static std::shared_ptr<const CheckpointPolicy> read(config::Reader& r);
  explicit InMemoryCheckpoint(Params p) : p_(std::move(p)) {}

  [[nodiscard]] const PeriodicParams* periodic() const override { return &p_.periodic; }
  [[nodiscard]] CheckpointCosts costs(const ClusterFigures& cluster) const override;
  [[nodiscard]] std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& costs) const override;

 private:
  Params p_;
};

}  // namespace orrery::horizon
