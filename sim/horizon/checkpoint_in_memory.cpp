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
  ErasureCodedCopies(const InMemoryCheckpoint& kind, const CheckpointCosts& c, const NodeLayout& layout)
      : kind_(kind), p_(kind.params()), c_(c), layout_(layout) {}

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
      if (++lost_in_group_[kind_.group_of(node, layout_)] > p_.parity) survives = false;
    }
    if (!survives) memory_valid_ = false;
    if (survives && memory_copy_ >= storage.progress)
      return {memory_copy_, c_.restore_memory, RestoreSource::kInMemory};
    return storage;
  }

 private:
  const InMemoryCheckpoint& kind_;  // outlives its copies: Setup::checkpoint holds it while replicas run
  const InMemoryCheckpoint::Params& p_;
  CheckpointCosts c_;
  NodeLayout layout_;
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
  static const std::vector<std::string> kPlacements{"spread", "consecutive"};
  c.placement = r.choice("placement", kPlacements, "spread",
                         "which nodes form a group: spread (node n in group n mod ⌈nodes/group⌉, so one "
                         "switch's nodes fall in different groups) or consecutive (n / group)") == "spread"
                    ? Placement::kSpread
                    : Placement::kConsecutive;
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

std::unique_ptr<CheckpointCopies> InMemoryCheckpoint::start(const CheckpointCosts& costs,
                                                             const NodeLayout& layout) const {
  return std::make_unique<ErasureCodedCopies>(*this, costs, layout);
}

int InMemoryCheckpoint::group_of(int node, const NodeLayout& layout) const {
  if (p_.placement == Placement::kConsecutive) return node / p_.group;
  const int groups = (std::max(1, layout.nodes) + p_.group - 1) / p_.group;
  return node % groups;
}

int InMemoryCheckpoint::most_lost_to_a_switch(const NodeLayout& layout) const {
  // Switch k takes nodes k·s .. k·s + s − 1 (mod nodes), as the replica draws them.
  const int s = std::max(1, std::min(layout.nodes_per_switch, layout.nodes));
  int most = 0;
  std::map<int, int> taken;
  for (int first = 0; first < layout.nodes; first += s) {
    taken.clear();
    for (int i = 0; i < s; ++i) most = std::max(most, ++taken[group_of((first + i) % layout.nodes, layout)]);
  }
  return most;
}

std::vector<std::string> InMemoryCheckpoint::switch_warnings(const NodeLayout& layout) const {
  const int most = most_lost_to_a_switch(layout);
  if (most <= p_.parity) return {};
  return {fmt::format("policies.checkpoint: one switch failure takes {} nodes of an erasure group, more than its "
                      "parity of {}, so every switch failure restores from storage{}",
                      most, p_.parity,
                      p_.placement == Placement::kConsecutive
                          ? " (placement: spread puts a switch's nodes in different groups)"
                          : fmt::format(" ({} groups for {} nodes per switch)",
                                        (layout.nodes + p_.group - 1) / p_.group, layout.nodes_per_switch))};
}

}  // namespace orrery::horizon
