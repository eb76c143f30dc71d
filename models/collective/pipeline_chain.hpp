// Pipelined chain broadcast and reduce, for large messages (the ring
// broadcast NCCL uses; Träff's pipelined linear algorithms). Ranks are taken
// in group order starting at the root, v = (r − root) mod p, and the buffer
// is cut into c = clamp(⌈S / 1 MiB⌉, 1, 64) chunks.
//
//  * broadcast: v sends chunk j to v + 1 once it has received chunk j and has
//    sent chunk j−1;
//  * reduce: v sends chunk j to v − 1 (which adds it) once it has chunk j from
//    v + 1 and has sent chunk j−1.
//
// (p − 1) + (c − 1) steps of S/c: about S/beta for large S, against
// ⌈log2 p⌉·S/beta for the binomial tree.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class PipelineChainAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "pipeline"; }
  [[nodiscard]] std::string_view description() const override {
    return "broadcast and reduce along a chain from the root, pipelined in chunks (large messages)";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override {
    return op == CollectiveOp::kBroadcast || op == CollectiveOp::kReduce;
  }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
};

}  // namespace orrery::models
