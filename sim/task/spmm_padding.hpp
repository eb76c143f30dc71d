// How many values a tensor-core SpMM/SDDMM really computes. Tensor cores work
// on dense fragments, so a sparse kernel covers every nonzero with a small
// dense block and computes the block's zeros too:
//
//   * FlashSparse (Shi et al., PPoPP'25) swaps and transposes the product so
//     that the sparse operand sits on the n = 8 side of mma.m16n8k8 (fp16) and
//     m16n8k4 (tf32): blocks of 8 rows × 1 column, half the 16 × 1 of DTC-SpMM
//     and TC-GNN;
//   * Magicube (Li, Osawa, Hoefler, SC'22) runs int8 and int4 on integer mma
//     shapes; orrery takes 16 × 8 blocks for int8 and 8 × 8 for int4.
//
// With nonzeros spread uniformly at random (density p = nnz / (rows·cols)), a
// block of r·c cells is non-empty with probability 1 − (1 − p)^(r·c), so
//
//   padded_nnz = ceil(rows/r) · ceil(cols/c) · (1 − (1 − p)^(r·c)) · r · c.
//
// Real matrices cluster their nonzeros and pad less; a kernel given its
// measured block count can set block_rows = block_cols = 1 and nnz = that
// count times the block size.
#pragma once

#include <cstdint>

#include "sim/task/operation.hpp"

namespace orrery::task {

struct BlockShape {
  std::int64_t rows = 1;
  std::int64_t cols = 1;
};

// The block of the kernel family that handles `dtype` (see above); fp64 and
// fp32 run on CUDA cores with no padding (1 × 1).
[[nodiscard]] BlockShape default_block(DType dtype);
// The block `s` uses: its own, or the default of its dtype.
[[nodiscard]] BlockShape block_of(const SparseShape& s);
// Expected number of blocks holding at least one nonzero.
[[nodiscard]] double nonempty_blocks(const SparseShape& s);
// Expected values computed, zeros of the blocks included (>= nnz).
[[nodiscard]] double padded_nnz(const SparseShape& s);
// The same, given nonempty_blocks(s).
[[nodiscard]] double padded_from_blocks(const SparseShape& s, double blocks);

}  // namespace orrery::task
