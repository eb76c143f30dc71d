// Binomial-tree broadcast and reduce (the MPICH short-message algorithms;
// Thakur, Rabenseifner & Gropp 2005). Ranks are renumbered relative to the
// root, v = (r − root) mod p, and the whole buffer moves in each transfer.
//
//  * broadcast: for d = 1, 2, 4, ... < p, every v < d with v + d < p sends to
//    v + d. ⌈log2 p⌉ steps of (alpha + S/beta): latency-optimal, but the root
//    sends S ⌈log2 p⌉ times.
//  * reduce: the mirror image: for d = 1, 2, 4, ..., every v with v mod 2d = d
//    sends its partial result to v − d, which adds it, after it has received
//    from all of its own children.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class BinomialTreeAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "binomial_tree"; }
  [[nodiscard]] std::string_view description() const override {
    return "broadcast and reduce on a binomial tree rooted at the root, ceil(log2 p) steps of S (short "
           "messages)";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override {
    return op == CollectiveOp::kBroadcast || op == CollectiveOp::kReduce;
  }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
  [[nodiscard]] bool same_dag_for_every_size() const override { return true; }
};

}  // namespace orrery::models
