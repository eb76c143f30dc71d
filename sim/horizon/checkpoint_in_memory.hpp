// `checkpoint: { kind: in_memory }`: snapshots to host memory, erasure-coded
// across groups of `group` nodes (parity exchanged in the background), which
// survive while no group has lost more than `parity` nodes since the last
// snapshot; every `storage_interval` a checkpoint goes to storage instead, the
// fallback beyond that. `placement` says which nodes form a group: `spread`
// (the default) deals the nodes round robin over G = ⌈nodes / group⌉ groups,
// node n to group n mod G, so that the nodes under one switch (a failure
// domain of consecutive nodes) fall in different groups whenever G is at least
// nodes_per_switch, and as evenly as can be otherwise; `consecutive` makes
// groups of consecutive nodes, n / group, which one switch failure can take
// whole (Gemini, SOSP'23, places groups across failure domains for this
// reason).
#pragma once

#include "sim/horizon/checkpoint_policy.hpp"

namespace orrery::horizon {

class InMemoryCheckpoint final : public CheckpointPolicy {
 public:
  static constexpr std::string_view kDescription =
      "snapshot to host memory, erasure-coded across groups of nodes (survives `parity` lost nodes per "
      "group), "
      "with storage checkpoints every storage_interval as the fallback";
  enum class Placement : std::uint8_t { kSpread, kConsecutive };
  struct Params {
    PeriodicParams periodic;
    int group = 8;              // nodes per erasure-coding group
    Placement placement = Placement::kSpread;
    int parity = 2;             // parity blocks per group (survives `parity` lost nodes)
    Duration storage_interval;  // also persisted to storage this often (0: never)
    double interference = 0;    // training slowdown while parity is exchanged
  };
  static std::shared_ptr<const CheckpointPolicy> read(config::Reader& r);
  explicit InMemoryCheckpoint(Params p) : p_(std::move(p)) {}
  [[nodiscard]] const Params& params() const { return p_; }

  [[nodiscard]] const PeriodicParams* periodic() const override { return &p_.periodic; }
  [[nodiscard]] CheckpointCosts costs(const ClusterFigures& cluster) const override;
  [[nodiscard]] std::unique_ptr<CheckpointCopies> start(const CheckpointCosts& costs,
                                                        const NodeLayout& layout) const override;
  [[nodiscard]] std::vector<std::string> switch_warnings(const NodeLayout& layout) const override;
  // The erasure group of `node` on `layout`.
  [[nodiscard]] int group_of(int node, const NodeLayout& layout) const;
  // The most nodes of one group that one switch failure takes.
  [[nodiscard]] int most_lost_to_a_switch(const NodeLayout& layout) const;

 private:
  Params p_;
};

}  // namespace orrery::horizon
