// Ok-Topk sparse all-reduce (Li & Hoefler, PPoPP'22, "Near-optimal sparse
// allreduce for distributed deep learning"). Every rank holds a buffer of n
// elements (S bytes, 4-byte values) of which it keeps its top k = density·n;
// a kept value travels as an (index, value) pair, so k values are 2k elements
// on the wire. The paper proves its scheme sends fewer than 6k elements per
// rank (at most 6k(p−1)/p); the dense ring all-reduce sends 2n(p−1)/p.
//
// The phases modelled here (the buffer's index space cut into p regions, one
// chunk each; region j belongs to rank j):
//
//  1. split and reduce: the index space is partitioned so that each region
//     holds an equal share of every rank's top-k values (the paper's balanced
//     partition, which it re-computes from the top-k coordinates every few
//     iterations); in rounds i = 1..p−1 rank r sends its values of region
//     (r + i) mod p to that region's owner (destination rotation, so no rank
//     receives from two at once), which adds them: 2k/p elements per message,
//     2k(p−1)/p per rank; p−1 latency terms.
//  2. gather of the reduced top-k: of the reduced region, the owner keeps the
//     values above the global top-k threshold, k/p values under the balanced
//     partition, and every rank gathers all of them (the paper's allgatherv),
//     by recursive doubling when p is a power of two (log2 p steps), else by
//     a ring (p−1 steps): 2k(p−1)/p elements per rank.
//
// Not modelled: the data-balancing step the paper runs before the gather when
// the reduced values are unevenly spread over regions (under the balanced
// partition there is nothing to move), the threshold estimation, and the
// compute of selecting and reducing. So each rank sends 4k(p−1)/p elements,
// within the paper's 6k(p−1)/p bound.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class OkTopkAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "ok_topk"; }
  [[nodiscard]] std::string_view description() const override {
    return "sparse_all_reduce of top-k (density) values: balanced split-and-reduce, then gather of the "
           "reduced "
           "top-k (Li & Hoefler PPoPP'22)";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kSparseAllReduce; }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
};

// Bytes on the wire for the kept values of `dense` bytes of buffer: density·dense
// bytes of values and as many of indices.
[[nodiscard]] Bytes sparse_payload(Bytes dense, double density);

}  // namespace orrery::models
