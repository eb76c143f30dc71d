// Ring algorithms (Patarasuk & Yuan 2009, "Bandwidth optimal all-reduce
// algorithms for clusters of workstations"; NCCL's ring): the p ranks in group
// order form a ring r → r+1 (mod p) and the buffer is cut into p chunks.
//
//  * reduce-scatter: in step s = 0..p−2 rank r sends chunk (r−1−s) mod p to
//    r+1, which adds it to its own; after p−1 steps rank r holds chunk r
//    reduced over all ranks. Each rank sends (p−1)/p · S.
//  * all-gather: rank r starts with chunk r; in step s it sends chunk
//    (r−s) mod p to r+1. Each rank sends (p−1)/p · S.
//  * all-reduce = reduce-scatter then all-gather: 2(p−1) steps of S/p, so
//    2(p−1)/p · S sent per rank and, on a ring of links (alpha, beta),
//    2(p−1)·alpha + 2(p−1)/p · S/beta.
//
// The ring phases are also building blocks: hierarchical and dimension-wise
// algorithms run several rings at once, each over a subset of the ranks and a
// part of the buffer.
#pragma once

#include <functional>

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

// The part of the buffer that unit `unit` of ring `ring` stands for.
using RingUnits = std::function<ChunkRange(int ring, int unit)>;

// Runs a reduce-scatter (or all-gather) on every ring of `rings` at once
// (rings of equal length k; each a list of ranks in ring order). Member i of a
// ring ends holding (reduce-scatter) or starts with (all-gather) unit i.
void ring_reduce_scatter(PlanBuilder& b, const std::vector<std::vector<int>>& rings, const RingUnits& units);
void ring_all_gather(PlanBuilder& b, const std::vector<std::vector<int>>& rings, const RingUnits& units);

class RingAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "ring"; }
  [[nodiscard]] std::string_view description() const override {
    return "ring over the group in order: all_reduce (reduce-scatter + all-gather, 2(p-1) steps of S/p), "
           "reduce_scatter, all_gather";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override;
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
  [[nodiscard]] bool same_dag_for_every_size() const override { return true; }
};

}  // namespace orrery::models
