// Double binary tree all-reduce (Sanders, Speck & Träff 2009, "Two-tree
// algorithms for full bandwidth broadcast, reduction and scan"; the idea NCCL
// adopted in 2.4). Two binary trees span the p ranks; each reduces half of the
// buffer up to its root and broadcasts it back down, both halves pipelined in
// chunks. Because a rank that is an inner node of one tree is a leaf of the
// other, every rank sends and receives about S in each direction, unlike a
// single tree, whose inner nodes carry twice the traffic of its leaves.
//
// Tree construction. Number the ranks' positions x = 1..p. Tree A is the
// in-order binary tree on positions: the root is the largest power of two
// <= p; position x with lowest set bit b has left child x − b/2 and right
// child x + h for the largest h in {b/2, b/4, ..., 1} with x + h <= p (none
// when b = 1: odd positions are leaves). Position x holds rank x − 1 in tree
// A and rank x mod p in tree B (tree A shifted by one rank). The inner nodes
// of A are the ranks at even positions minus one, i.e. the odd ranks; the
// inner nodes of B are the even ranks (position p of B holds rank 0), so no
// rank is an inner node of both trees.
//
// Pipelining: each half is cut into c = clamp(⌈(S/2)/1 MiB⌉, 1, 64) chunks.
// A node sends chunk j up once it has chunk j from all its children (and has
// sent chunk j−1 up); the root sends chunk j down once it has reduced it; a
// node forwards chunk j down once it has received it (and has sent chunk j−1
// on the same edge). Depth ⌈log2(p+1)⌉, so latency ~2·log2 p steps.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

// A tree over ranks: parent (−1 at the root) and children of each rank.
struct RankTree {
  int root = 0;
  std::vector<int> parent;
  std::vector<std::vector<int>> children;
};

// The two trees described above (exposed for tests).
[[nodiscard]] RankTree double_binary_tree(int p, int which);

class DoubleBinaryTreeAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "double_binary_tree"; }
  [[nodiscard]] std::string_view description() const override {
    return "all_reduce on two complementary binary trees, half the buffer each, pipelined (Sanders et al. "
           "2009; "
           "NCCL's tree)";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kAllReduce; }
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
};

// Pipeline chunks for `bytes`: clamp(⌈bytes / 1 MiB⌉, 1, 64).
[[nodiscard]] int pipeline_chunks(Bytes bytes);

}  // namespace orrery::models
