// Recursive halving-doubling all-reduce (Rabenseifner 2004; Thakur,
// Rabenseifner & Gropp 2005, "Optimization of collective communication
// operations in MPICH"), for p' = 2^⌊log2 p⌋ ranks and the buffer cut into p'
// chunks:
//
//  * reduce-scatter by recursive halving: for d = p'/2, p'/4, ..., 1, rank v
//    exchanges with v XOR d: it keeps the half of its current range on its side
//    of bit d (lower half when the bit is clear) and sends the other half,
//    which the partner adds to its own. After log2 p' steps rank v holds chunk
//    v reduced over all ranks; it sent (p'−1)/p' · S.
//  * all-gather by recursive doubling: for d = 1, 2, ..., p'/2, rank v sends
//    the range it holds to v XOR d; the ranges double each step.
//
// So 2·log2 p steps and 2(p−1)/p · S sent per rank when p is a power of two.
// Otherwise, with r = p − p' (the standard pre/post step): first each odd rank
// 2i+1 (i < r) sends its whole buffer to 2i, which adds it, and sits out; the
// p' remaining ranks (2i for i < r, then 2r..p−1) run the above; last each 2i
// sends the result back to 2i+1. That adds two steps of S each.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class HalvingDoublingAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "halving_doubling"; }
  [[nodiscard]] std::string_view description() const override {
    return "all_reduce by recursive halving (reduce-scatter) and doubling (all-gather), Rabenseifner; "
           "2 log2 p steps, a pre/post step when p is not a power of two";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kAllReduce; }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
  [[nodiscard]] bool same_dag_for_every_size() const override { return true; }
};

}  // namespace orrery::models
