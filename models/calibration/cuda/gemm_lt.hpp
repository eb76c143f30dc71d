// One cuBLASLt matrix multiply, configured once and run many times:
// D (m x n) = A^T B, column-major, with A stored k x m and B stored k x n — the
// "TN" layout that FP8 tensor-core GEMMs require, used for every dtype so that
// all rows of the table describe the same operation (a Megatron linear layer,
// Y = X W^T, seen from cuBLAS's column-major side). Inputs and output share the
// dtype except FP8 (e4m3 inputs, bf16 output, per-tensor scales through
// CUBLASLT_MATMUL_DESC_{A,B}_SCALE_POINTER, fast accumulation as Transformer
// Engine uses in forward passes) and TF32 (fp32 storage, CUBLAS_COMPUTE_32F_FAST_TF32).
#pragma once

#include <cublasLt.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "models/calibration/cuda/dtype.hpp"

namespace orrery::models::calibration {

class LtHandle {
 public:
  LtHandle();
  ~LtHandle();
  LtHandle(const LtHandle&) = delete;
  LtHandle& operator=(const LtHandle&) = delete;
  [[nodiscard]] cublasLtHandle_t get() const { return handle_; }

 private:
  cublasLtHandle_t handle_ = nullptr;
};

class LtMatmul {
 public:
  // `a_scale` and `b_scale` are device pointers to one float each (FP8 only; ignored otherwise).
  LtMatmul(const LtHandle& handle, Dtype dtype, std::int64_t m, std::int64_t n, std::int64_t k,
           std::size_t workspace_bytes, const float* a_scale, const float* b_scale);
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  // False when cuBLASLt has no algorithm for this shape and dtype (e.g. FP8 with m = 1);
  // `unsupported_reason` then says what cuBLASLt answered.
  [[nodiscard]] bool supported() const { return unsupported_.empty(); }
  [[nodiscard]] const std::string& unsupported_reason() const { return unsupported_; }
  [[nodiscard]] Dtype output_dtype() const;
  // Enqueues D = A^T B on the default stream.
  void run(const void* a, const void* b, void* d, void* workspace) const;

 private:
  cublasLtHandle_t handle_;
  Dtype dtype_;
  std::size_t workspace_bytes_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_layout_ = nullptr;
  cublasLtMatrixLayout_t b_layout_ = nullptr;
  cublasLtMatrixLayout_t d_layout_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  std::string unsupported_;
};

}  // namespace orrery::models::calibration
