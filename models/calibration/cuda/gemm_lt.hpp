// One cuBLASLt matrix multiply, configured once and run many times:
// D (m x n) = A^T B, column-major, with A stored k x m and B stored k x n — the
// "TN" layout that FP8 tensor-core GEMMs require, used for every dtype so that
// all rows of the table describe the same operation (a Megatron linear layer,
// Y = X W^T, seen from cuBLAS's column-major side). Inputs and output share the
// dtype except FP8 and TF32 (fp32 storage, CUBLAS_COMPUTE_32F_FAST_TF32).
//
// FP8 follows the rules of cuBLASLt's documentation for cublasLtMatmul on
// Hopper: e4m3 A and B, "TN" (A transposed, B not), compute type 32F with a
// 32F scale type, per-tensor scales of A and B as device floats through
// CUBLASLT_MATMUL_DESC_{A,B}_SCALE_POINTER, fast accumulation
// (CUBLASLT_MATMUL_DESC_FAST_ACCUM, as Transformer Engine uses in forward
// passes), bf16 C and D (so no D scale: that one applies to an fp8 output only),
// and every leading dimension — lda = ldb = k, ldc = ldd = m here — a multiple
// of 16 elements with 16-byte aligned pointers (the Tensor Core Usage rules).
// `fp8_layout_problem` says which rule a shape breaks, before cuBLASLt is asked.
//
// Accumulating (bf16 and fp16 only): D = A^T B + D with D in fp32 (beta = 1,
// C and D the same buffer), the weight-gradient GEMM of Megatron-LM's fused
// gradient accumulation (apex's wgrad_gemm_accum_fp32 adds into the fp32
// main gradient the same way).
//
// The heuristic can offer an algorithm that cublasLtMatmul then refuses
// (CUBLAS_STATUS_NOT_SUPPORTED: what stopped the whole gemm family on an H200),
// so `select_algorithm` runs each offered candidate once and keeps the first
// that succeeds; a shape none runs is reported unsupported with the status.
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
  // `accumulate`: add into an fp32 D (beta = 1) instead of writing D in the output type.
  LtMatmul(const LtHandle& handle, Dtype dtype, std::int64_t m, std::int64_t n, std::int64_t k,
           std::size_t workspace_bytes, const float* a_scale, const float* b_scale, bool accumulate = false);
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  // False when cuBLASLt has no algorithm for this shape and dtype, or none of
  // those offered ran; `unsupported_reason` then says what cuBLASLt answered.
  [[nodiscard]] bool supported() const { return unsupported_.empty(); }
  [[nodiscard]] const std::string& unsupported_reason() const { return unsupported_; }
  [[nodiscard]] Dtype output_dtype() const;
  // Runs the heuristic's candidates once each on these buffers (synchronising
  // after each) and keeps the first that succeeds. Call before run().
  bool select_algorithm(const void* a, const void* b, void* d, void* workspace);
  // Enqueues D = A^T B (+ D when accumulating) on the default stream.
  void run(const void* a, const void* b, void* d, void* workspace) const;

 private:
  cublasLtHandle_t handle_;
  Dtype dtype_;
  bool accumulate_ = false;
  std::size_t workspace_bytes_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_layout_ = nullptr;
  cublasLtMatrixLayout_t b_layout_ = nullptr;
  cublasLtMatrixLayout_t d_layout_ = nullptr;
  static constexpr int kCandidates = 8;
  cublasLtMatmulHeuristicResult_t candidates_[kCandidates]{};
  int found_ = 0;
  const cublasLtMatmulAlgo_t* algo_ = nullptr;
  std::string unsupported_;
};

// Empty when (dtype, m, n, k) meets cuBLASLt's FP8 layout rules (or dtype is not
// FP8); else the rule broken, e.g. "FP8 needs k to be a multiple of 16 (k = 33)".
[[nodiscard]] std::string fp8_layout_problem(Dtype dtype, std::int64_t m, std::int64_t n, std::int64_t k);

}  // namespace orrery::models::calibration
