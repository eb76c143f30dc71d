// Dimension-wise ring all-reduce for torus and HammingMesh-like layouts
// (the multi-dimensional rings of TPU pods and of ASTRA-sim's hierarchical
// collectives; HammingMesh, Hoefler et al. SC22, reduces along rows, then
// columns). The group is a grid of extents dims = [d_0, ..., d_{k−1}]
// (product p; rank = row-major index, last coordinate fastest), the buffer is
// cut into p chunks, and
//
//  * for each dimension j in order, all rings along j (the ranks that differ
//    only in coordinate j) reduce-scatter, at once, the part each rank holds:
//    the whole buffer for j = 0, then 1/d_0 of it, then 1/(d_0·d_1), ...;
//  * then the same dimensions in reverse order all-gather.
//
// Each rank sends 2·Σ_j (d_j − 1)/(d_0···d_j) · S = 2(p−1)/p · S, the ring's
// volume, in 2·Σ_j (d_j − 1) steps instead of 2(p−1), with every step on
// nearest-neighbour links of its dimension.
#pragma once

#include "models/collective/collective_algorithm.hpp"

namespace orrery::models {

class DimensionRingsAlgorithm final : public CollectiveAlgorithm {
 public:
  [[nodiscard]] std::string_view name() const override { return "dim_rings"; }
  [[nodiscard]] std::string_view description() const override {
    return "all_reduce by rings along each dimension of the group's grid `dims` (torus, HammingMesh): "
           "reduce-scatter dimension by dimension, then all-gather back";
  }
  [[nodiscard]] bool supports(CollectiveOp op) const override { return op == CollectiveOp::kAllReduce; }
  [[nodiscard]] std::string check(const CollectiveCall& call) const override;
  [[nodiscard]] CollectivePlan lower(const CollectiveCall& call) const override;
  [[nodiscard]] bool same_dag_for_every_size() const override { return true; }
};

}  // namespace orrery::models
