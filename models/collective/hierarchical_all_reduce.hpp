// Hierarchical all-reduce (the two-level scheme of Horovod's hierarchical
// allreduce and of NCCL on multi-node systems): with the group's ranks on N
// nodes, m on each, and the buffer cut into m·N chunks,
//
//  1. reduce-scatter inside every node (a ring over the node's m ranks, in
//     group order): the i-th rank of a node ends with part i (chunks
//     [i·N, (i+1)·N)) reduced over its node;
//  2. all-reduce across nodes among the ranks of equal local index i (a ring
//     over the N nodes, in order of first appearance in the group) on part i;
//  3. all-gather inside every node.
//
// Only S/m per rank crosses the (slow) inter-node network: each rank sends
// 2(N−1)/N · S/m there and 2(m−1)/m · S inside its node. It needs every
// node of the group to hold the same number of its ranks, and at least two
// nodes with two ranks each (else it is a plain ring); the node of each
// device comes from the cluster's devices per node.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class HierarchicalAllReduceAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "hierarchical"; }
  [[nodiscard]] std::string_view description() const override {
    return "all_reduce as intra-node reduce-scatter, inter-node ring all-reduce among same-local-rank "
           "devices, "
           "intra-node all-gather";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kAllReduce; }
  [[nodiscard]] std::string check(const CollectiveCall& call) const override;
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
  [[nodiscard]] bool same_dag_for_every_size() const override { return true; }
};

}  // namespace orrery::models
