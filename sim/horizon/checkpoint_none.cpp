// No checkpoints: every failure rolls back to the start.
#include "sim/horizon/checkpoint_none.hpp"

namespace orrery::horizon {

namespace {

class NoCopies final : public CheckpointCopies {
 public:
  // Never called: the job never checkpoints.
  CheckpointStep begin(Time) override { return {}; }
  std::optional<Background> end(Time, Duration, bool) override { return std::nullopt; }
  Restore restore(std::span<const int>, const Restore& storage) override {
    return {Duration{}, storage.load, RestoreSource::kStart};
  }
};

}  // namespace

std::shared_ptr<const CheckpointPolicy> NoCheckpoint::read(config::Reader&) {
  return std::make_shared<NoCheckpoint>();
}

std::unique_ptr<CheckpointCopies> NoCheckpoint::start(const CheckpointCosts&, const NodeLayout&) const {
  return std::make_unique<NoCopies>();
}

std::shared_ptr<const CheckpointPolicy> no_checkpoints() {
  return std::make_shared<NoCheckpoint>();
}

}  // namespace orrery::horizon
