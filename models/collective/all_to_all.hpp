// All-to-all: rank s sends block d of its S-byte buffer (S/p bytes, the
// blocks splitting S as evenly as integers allow) to every rank d ≠ s. Chunk
// s·p + d names that block in the plan.
//
//  * direct: all p(p−1) transfers at once, one step; the network sorts out the
//    contention (NCCL's all-to-all posts all sends and receives together).
//  * pairwise: p−1 rounds; in round k = 1..p−1 rank s sends to (s + k) mod p
//    and receives from (s − k) mod p, each round after the previous one (a
//    shifted permutation per round, so every rank sends and receives exactly
//    one block at a time; MPICH's pairwise exchange).
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class DirectAllToAllAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "direct"; }
  [[nodiscard]] std::string_view description() const override {
    return "all_to_all with every pair's transfer at once (one step)";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kAllToAll; }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
};

class PairwiseAllToAllAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "pairwise"; }
  [[nodiscard]] std::string_view description() const override {
    return "all_to_all in p-1 rounds of a shifted permutation (rank s sends to s+k in round k)";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kAllToAll; }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
};

}  // namespace orrery::models
