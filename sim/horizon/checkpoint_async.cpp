// Asynchronous checkpoints: the pause is the PCIe snapshot of the fullest
// device, the background persist the shared write to storage.
#include "sim/horizon/checkpoint_async.hpp"

namespace orrery::horizon {

namespace {

class HostCopies final : public CheckpointCopies {
 public:
  explicit HostCopies(const CheckpointCosts& c) : c_(c) {}
  CheckpointStep begin(Time) override { return {c_.pause, false}; }
  std::optional<Background> end(Time, Duration value, bool) override {
    host_copy_ = value;
    return Background{c_.persist, true};
  }
  // The host copy lives on every node: it survives a software failure only.
  Restore restore(std::span<const int> lost_nodes, const Restore& storage) override {
    if (lost_nodes.empty() && host_copy_ > storage.progress)
      return {host_copy_, c_.restore_memory, RestoreSource::kHostCopy};
    return storage;
  }
  void lose(std::span<const int> lost_nodes) override {
    if (!lost_nodes.empty()) host_copy_ = Duration{};
  }

 private:
  CheckpointCosts c_;
  Duration host_copy_;
};

}  // namespace

std::shared_ptr<const CheckpointPolicy> AsyncCheckpoint::read(config::Reader& r) {
  PeriodicParams p = PeriodicParams::read(r);
  const auto interference = r.optional<double>(
      "interference", 0.0, "fraction by which training slows while the snapshot is persisted");
  r.check(interference >= 0 && interference < 1, "interference", "must be in [0, 1)");
  return std::make_shared<AsyncCheckpoint>(std::move(p), interference);
}

CheckpointCosts AsyncCheckpoint::costs(const ClusterFigures& cluster) const {
  const double write_s = p_.write_s(cluster);
  const double snapshot_s = p_.snapshot_s(cluster);
  CheckpointCosts c;
  c.pause = ceil_duration(snapshot_s);
  c.persist = c.storage_write = c.restore_storage = ceil_duration(write_s);
  c.restore_memory = ceil_duration(snapshot_s);
  c.interference = interference_;
  return c;
}

std::unique_ptr<CheckpointCopies> AsyncCheckpoint::start(const CheckpointCosts& costs, const NodeLayout&) const {
  return std::make_unique<HostCopies>(costs);
}

}  // namespace orrery::horizon
