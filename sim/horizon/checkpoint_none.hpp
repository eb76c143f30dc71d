// `checkpoint: { kind: none }` (also a scenario without policies.checkpoint):
// no checkpoints, a failure loses everything since the start.
#pragma once

#include "sim/horizon/checkpoint_policy.hpp"

namespace orrery::horizon {

class NoCheckpoint final : public CheckpointPolicy {
 public:
  static constexpr std::string_view kDescription =
      "no checkpoints: a failure loses everything since the start";
  static std::shared_ptr<const CheckpointPolicy> read(config::Reader& r);

  [[nodiscard]] const PeriodicParams* periodic() const override { return nullptr; }
  [[nodiscard]] CheckpointCosts costs(const ClusterFigures&) const override { return {}; }
  [[nodiscard]] std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& costs, const NodeLayout&) const override;
};

}  // namespace orrery::horizon
