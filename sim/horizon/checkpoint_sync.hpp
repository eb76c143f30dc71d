// `checkpoint: { kind: sync }`: every τ of progress training pauses while the
// model states are written to storage; the copy is durable when it resumes.
#pragma once

#include "sim/horizon/checkpoint_policy.hpp"

namespace orrery::horizon {

class SyncCheckpoint final : public CheckpointPolicy {
 public:
  static constexpr std::string_view kDescription =
      "periodic synchronous write of the model states to storage; training waits";
  static std::shared_ptr<const CheckpointPolicy> read(config::Reader& r);
  explicit SyncCheckpoint(PeriodicParams p) : p_(std::move(p)) {}

  [[nodiscard]] const PeriodicParams* periodic() const override { return &p_; }
  [[nodiscard]] CheckpointCosts costs(const ClusterFigures& cluster) const override;
  [[nodiscard]] std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& costs, const NodeLayout&) const override;

 private:
  PeriodicParams p_;
};

}  // namespace orrery::horizon
