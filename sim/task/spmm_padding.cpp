#include "sim/task/spmm_padding.hpp"

#include <algorithm>
#include <cmath>

namespace orrery::task {

BlockShape default_block(DType dtype) {
  switch (dtype) {
    case DType::kFp16:
    case DType::kBf16:
    case DType::kTf32:
      return {8, 1};  // FlashSparse
    case DType::kFp8:
    case DType::kInt8:
      return {16, 8};  // Magicube, int8
    case DType::kInt4:
    case DType::kInt3:
    case DType::kInt2:
      return {8, 8};  // Magicube, int4 (narrower weights unpacked to int4 fragments)
    case DType::kFp64:
    case DType::kFp32:
      return {1, 1};
  }
  return {1, 1};
}

BlockShape block_of(const SparseShape& s) {
  if (s.block_rows > 0 && s.block_cols > 0) return {s.block_rows, s.block_cols};
  return default_block(s.dtype);
}

double nonempty_blocks(const SparseShape& s) {
  if (s.rows <= 0 || s.cols <= 0 || s.nnz <= 0) return 0;
  const BlockShape b = block_of(s);
  const double cells = static_cast<double>(s.rows) * static_cast<double>(s.cols);
  const double density = std::min(1.0, static_cast<double>(s.nnz) / cells);
  const double blocks = std::ceil(static_cast<double>(s.rows) / static_cast<double>(b.rows)) *
                        std::ceil(static_cast<double>(s.cols) / static_cast<double>(b.cols));
  // 1 − (1 − p)^(r·c), computed with log1p/expm1 so that tiny densities keep their digits.
  const double per_block = static_cast<double>(b.rows * b.cols);
  const double p_nonempty = density >= 1.0 ? 1.0 : -std::expm1(per_block * std::log1p(-density));
  return blocks * p_nonempty;
}

double padded_from_blocks(const SparseShape& s, double blocks) {
  const BlockShape b = block_of(s);
  // Never fewer than the nonzeros themselves (the expectation can round below
  // nnz only through the ceil of partial edge blocks).
  return std::max(static_cast<double>(s.nnz), blocks * static_cast<double>(b.rows * b.cols));
}

double padded_nnz(const SparseShape& s) {
  return padded_from_blocks(s, nonempty_blocks(s));
}

}  // namespace orrery::task
