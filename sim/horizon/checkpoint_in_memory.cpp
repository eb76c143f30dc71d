// In-memory checkpoints (Gemini-like): the pause is the PCIe snapshot; each
// node then sends its share of parity, bytes × parity / (group − parity), over
// its NICs in the background; a restore from memory loads the snapshot and
// the parity back.
#include "sim/horizon/checkpoint_in_memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace orrery::horizon {

namespace {

class ErasureCodedCopies final : public CheckpointCopies {
 public:
  ErasureCodedCopies(const InMemoryCheckpoint::Params& p, const CheckpointCosts& c) : p_(p), c_(c) {}

  CheckpointStep begin(Time now) override {
    if (p_.storage_interval > Duration{} && now - last_storage_ >= p_.storage_interval)
      return {c_.storage_write, true};  // this one goes to storage, the fallback beyond `parity` lost nodes
    return {c_.pause, false};
  }

  std::optional<Background> end(Time now, Duration value, bool to_storage) override {
    memory_copy_ = value;
    memory_valid_ = true;
    lost_in_group_.clear();
    if (to_storage) {
      last_storage_ = now;
      return std::nullopt;
    }
    if (c_.persist > Duration{}) return Background{c_.persist, false};
    return std::nullopt;
  }

  // The erasure-coded copy survives while no group has lost more than
  // `parity` nodes since it was taken; once one has, it is gone until the
  // next snapshot.
  Restore restore(std::span<const int> lost_nodes, const Restore& storage) override {
    bool survives = memory_valid_;
    for (int node : lost_nodes) {
      const int g = node / std::max(1, p_.group);
      if (++lost_in_group_[g] > p_.parity) survives = false;
    }
    if (!survives) memory_valid_ = false;
    if (survives && memory_copy_ >= storage.progress)
      return {memory_copy_, c_.restore_memory, RestoreSource::kInMemory};
    return storage;
  }

 private:
  InMemoryCheckpoint::Params p_;
  CheckpointCosts c_;
  Time last_storage_ = Time::zero();
  Duration memory_copy_;
  bool memory_valid_ = false;
  std::map<int, int> lost_in_group_;
};

}  // namespace

std::shared_ptr<const CheckpointPolicy> InMemoryCheckpoint::read(config::Reader& r) {
  Params c;
  c.periodic = PeriodicParams::read(r);
  c.group = r.optional<int>("group", 8, "nodes per erasure-coding group");
  c.parity = r.optional<int>("parity", 2, "parity blocks per group: lost nodes a group survives");
  c.storage_interval = r.optional<Duration>("storage_interval", Duration::s(3 * 3600),
                                            "storage checkpoints beside the in-memory ones (0: none)");
  c.interference =
      r.optional<double>("interference", 0.0, "fraction by which training slows while parity is exchanged");
  r.check(c.group >= 2, "group", fmt::format("must be at least 2, got {}", c.group));
  r.check(c.parity >= 1 && c.parity < c.group, "parity",
          fmt::format("must be at least 1 and below the group of {} nodes, got {}", c.group, c.parity));
  r.check(c.storage_interval >= Duration{}, "storage_interval", "must not be negative");
  r.check(c.interference >= 0 && c.interference < 1, "interference", "must be in [0, 1)");
  return std::make_shared<InMemoryCheckpoint>(std::move(c));
}

CheckpointCosts InMemoryCheckpoint::costs(const ClusterFigures& cluster) const {
  const double write_s = p_.periodic.write_s(cluster);
  const double snapshot_s = p_.periodic.snapshot_s(cluster);
  double parity_s = 0;
  if (!p_.periodic.cost && cluster.nic > 0) {
    const double most = *std::max_element(cluster.node_bytes.begin(), cluster.node_bytes.end());
    parity_s = most * p_.parity / (p_.group - p_.parity) / cluster.egress;
  }
  CheckpointCosts c;
  c.pause = ceil_duration(snapshot_s);
  c.persist = ceil_duration(parity_s);
  c.storage_write = c.restore_storage = ceil_duration(write_s);
  c.restore_memory = ceil_duration(snapshot_s + parity_s);
  c.interference = p_.interference;
  return c;
}

std::unique_ptr<CheckpointCopies> InMemoryCheckpoint::start(const CheckpointCosts& costs) const {
  return std::make_unique<ErasureCodedCopies>(p_, costs);
}

}  // namespace orrery::horizon
