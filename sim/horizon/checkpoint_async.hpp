// `checkpoint: { kind: async }`: training pauses for a snapshot to host memory
// over PCIe, then the snapshot is persisted to storage in the background
// (training slowed by `interference`). Until then, and for failures that take
// no node, the host copy serves restores.
#pragma once

#include "sim/horizon/checkpoint_policy.hpp"

namespace orrery::horizon {

class AsyncCheckpoint final : public CheckpointPolicy {
 public:
  static constexpr std::string_view kDescription =
      "snapshot to host memory over PCIe (training waits), persisted to storage in the background "
      "with an interference on training";
  static std::shared_ptr<const CheckpointPolicy> read(config::Reader& r);
  AsyncCheckpoint(PeriodicParams p, double interference) : p_(std::move(p)), interference_(interference) {}

  [[nodiscard]] const PeriodicParams* periodic() const override { return &p_; }
  [[nodiscard]] CheckpointCosts costs(const ClusterFigures& cluster) const override;
  [[nodiscard]] std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& costs, const NodeLayout&) const override;

 private:
  PeriodicParams p_;
  double interference_ = 0;
};

}  // namespace orrery::horizon
