// cuBLASLt set-up for the GEMM family (see gemm_lt.hpp): descriptors, the
// heuristic's first algorithm for the workspace given, and the call itself.
#include "models/calibration/cuda/gemm_lt.hpp"

#include <string>
#include <utility>

#include "models/calibration/cuda/cuda_check.hpp"

namespace orrery::models::calibration {

namespace {

void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw_call_error(call,
                     std::string(cublasGetStatusName(status)) + " (" + cublasGetStatusString(status) + ")",
                     file, line);
  }
}

#define ORRERY_CUBLAS_CHECK(call) check_cublas((call), #call, __FILE__, __LINE__)

cudaDataType_t storage_type(Dtype d) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return CUDA_R_32F;
    case Dtype::kFp16:
      return CUDA_R_16F;
    case Dtype::kBf16:
      return CUDA_R_16BF;
    case Dtype::kFp8E4M3:
      return CUDA_R_8F_E4M3;
  }
  return CUDA_R_32F;
}

}  // namespace

LtHandle::LtHandle() {
  ORRERY_CUBLAS_CHECK(cublasLtCreate(&handle_));
}

LtHandle::~LtHandle() {
  cublasLtDestroy(handle_);
}

LtMatmul::LtMatmul(const LtHandle& handle, Dtype dtype, std::int64_t m, std::int64_t n, std::int64_t k,
                   std::size_t workspace_bytes, const float* a_scale, const float* b_scale, bool accumulate)
    : handle_(handle.get()), dtype_(dtype), accumulate_(accumulate), workspace_bytes_(workspace_bytes) {
  const cublasComputeType_t compute =
      dtype == Dtype::kTf32 || dtype == Dtype::kFp32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  ORRERY_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op_, compute, CUDA_R_32F));
  const cublasOperation_t transpose = CUBLAS_OP_T;
  const cublasOperation_t keep = CUBLAS_OP_N;
  ORRERY_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof(transpose)));
  ORRERY_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof(keep)));
  if (dtype == Dtype::kFp8E4M3) {
    ORRERY_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof(a_scale)));
    ORRERY_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof(b_scale)));
    const std::int8_t fast_accumulation = 1;
    ORRERY_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_FAST_ACCUM,
                                                       &fast_accumulation, sizeof(fast_accumulation)));
  }
  const cudaDataType_t in = storage_type(dtype);
  const cudaDataType_t out = storage_type(output_dtype());
  ORRERY_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_layout_, in, static_cast<std::uint64_t>(k),
                                                 static_cast<std::uint64_t>(m), k));
  ORRERY_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b_layout_, in, static_cast<std::uint64_t>(k),
                                                 static_cast<std::uint64_t>(n), k));
  ORRERY_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d_layout_, out, static_cast<std::uint64_t>(m),
                                                 static_cast<std::uint64_t>(n), m));

  if (const std::string problem = fp8_layout_problem(dtype, m, n, k); !problem.empty()) {
    unsupported_ = problem;
    return;
  }
  if (accumulate && dtype != Dtype::kBf16 && dtype != Dtype::kFp16) {
    unsupported_ = "accumulating into fp32 is measured for bf16 and fp16 inputs only";
    return;
  }
  cublasLtMatmulPreference_t preference = nullptr;
  ORRERY_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&preference));
  const std::uint64_t max_workspace = workspace_bytes;
  cublasStatus_t status = cublasLtMatmulPreferenceSetAttribute(
      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_workspace, sizeof(max_workspace));
  if (status == CUBLAS_STATUS_SUCCESS) {
    status = cublasLtMatmulAlgoGetHeuristic(handle_, op_, a_layout_, b_layout_, d_layout_, d_layout_,
                                            preference, kCandidates, candidates_, &found_);
  }
  cublasLtMatmulPreferenceDestroy(preference);
  // Any refusal here (NOT_SUPPORTED, INVALID_VALUE, no algorithm) means this shape
  // cannot run on this GPU: a skipped shape in the table, not an error.
  if (status != CUBLAS_STATUS_SUCCESS) {
    unsupported_ = std::string("no cuBLASLt algorithm (") + cublasGetStatusName(status) + ")";
  } else if (found_ == 0) {
    unsupported_ = "no cuBLASLt algorithm";
  }
}

bool LtMatmul::select_algorithm(const void* a, const void* b, void* d, void* workspace) {
  const float alpha = 1.0f;
  const float beta = accumulate_ ? 1.0f : 0.0f;
  std::string last = "no cuBLASLt algorithm";
  for (int i = 0; i < found_ && algo_ == nullptr; ++i) {
    if (candidates_[i].state != CUBLAS_STATUS_SUCCESS) continue;
    const cublasStatus_t status =
        cublasLtMatmul(handle_, op_, &alpha, a, a_layout_, b, b_layout_, &beta, d, d_layout_, d, d_layout_,
                       &candidates_[i].algo, workspace, workspace_bytes_, nullptr);
    if (status == CUBLAS_STATUS_SUCCESS) {
      ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
      algo_ = &candidates_[i].algo;
    } else {
      last = std::string(cublasGetStatusName(status)) + " from cublasLtMatmul (" + cublasGetStatusString(status) +
             ")";
    }
  }
  if (algo_ == nullptr && unsupported_.empty()) unsupported_ = last;
  return algo_ != nullptr;
}

std::string fp8_layout_problem(Dtype dtype, std::int64_t m, std::int64_t n, std::int64_t k) {
  if (dtype != Dtype::kFp8E4M3) return {};
  (void)n;  // n is no leading dimension in "TN": B is k x n with ldb = k
  for (const auto& [name, value] : {std::pair{"m", m}, std::pair{"k", k}}) {
    if (value % 16 != 0) {
      return std::string("FP8 needs ") + name + " to be a multiple of 16 (" + name + " = " +
             std::to_string(value) + "): cuBLASLt's leading-dimension rule";
    }
  }
  return {};
}

LtMatmul::~LtMatmul() {
  cublasLtMatrixLayoutDestroy(d_layout_);
  cublasLtMatrixLayoutDestroy(b_layout_);
  cublasLtMatrixLayoutDestroy(a_layout_);
  cublasLtMatmulDescDestroy(op_);
}

Dtype LtMatmul::output_dtype() const {
  if (accumulate_) return Dtype::kFp32;
  return dtype_ == Dtype::kFp8E4M3 ? Dtype::kBf16 : dtype_;
}

void LtMatmul::run(const void* a, const void* b, void* d, void* workspace) const {
  const float alpha = 1.0f;
  const float beta = accumulate_ ? 1.0f : 0.0f;
  ORRERY_CUBLAS_CHECK(cublasLtMatmul(handle_, op_, &alpha, a, a_layout_, b, b_layout_, &beta, d, d_layout_, d,
                                     d_layout_, algo_, workspace, workspace_bytes_, nullptr));
}

}  // namespace orrery::models::calibration
