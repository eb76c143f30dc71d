// Synchronous checkpoints: the pause is the write to storage (max-min shared
// by every node's NICs), and a restore reads it back at the same rate.
#include "sim/horizon/checkpoint_sync.hpp"

namespace orrery::horizon {

namespace {

class StorageCopies final : public CheckpointCopies {
 public:
  explicit StorageCopies(Duration pause) : pause_(pause) {}
  CheckpointStep begin(Time) override { return {pause_, true}; }
  std::optional<Background> end(Time, Duration, bool) override { return std::nullopt; }
  Restore restore(std::span<const int>, const Restore& storage) override { return storage; }

 private:
  Duration pause_;
};

}  // namespace

std::shared_ptr<const CheckpointPolicy> SyncCheckpoint::read(config::Reader& r) {
  return std::make_shared<SyncCheckpoint>(PeriodicParams::read(r));
}

CheckpointCosts SyncCheckpoint::costs(const ClusterFigures& cluster) const {
  const Duration write = ceil_duration(p_.write_s(cluster));
  CheckpointCosts c;
  c.pause = c.storage_write = c.restore_storage = write;
  return c;
}

std::unique_ptr<CheckpointCopies> SyncCheckpoint::start(const CheckpointCosts& costs, const NodeLayout&) const {
  return std::make_unique<StorageCopies>(costs.pause);
}

}  // namespace orrery::horizon
