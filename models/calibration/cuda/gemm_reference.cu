// Naive TN GEMM for --verify (see gemm_reference.hpp). Slow on purpose: nothing
// in it can share a bug with a tiled tensor-core kernel.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "models/calibration/cuda/cuda_check.hpp"
#include "models/calibration/cuda/gemm_reference.hpp"

namespace orrery::models::calibration {

namespace {

template <class T>
__device__ inline float as_float(T v) {
  return static_cast<float>(v);
}

template <class T>
__global__ void reference_gemm_kernel(const T* a, const T* b, float scale, int m, int n, int k, float* c,
                                      float* abs_c) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int j = blockIdx.y;
  if (i >= m) return;
  float sum = 0.0f;
  float abs_sum = 0.0f;
  for (int l = 0; l < k; ++l) {
    const float p =
        as_float(a[l + static_cast<long long>(i) * k]) * as_float(b[l + static_cast<long long>(j) * k]);
    sum += p;
    abs_sum += fabsf(p);
  }
  c[i + static_cast<long long>(j) * m] = scale * sum;
  abs_c[i + static_cast<long long>(j) * m] = fabsf(scale) * abs_sum;
}

template <class T>
void launch(const void* a, const void* b, float scale, int m, int n, int k, float* c, float* abs_c) {
  const dim3 grid((m + 127) / 128, n);
  reference_gemm_kernel<T>
      <<<grid, 128>>>(static_cast<const T*>(a), static_cast<const T*>(b), scale, m, n, k, c, abs_c);
  ORRERY_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void reference_gemm_tn(Dtype in, const void* a, const void* b, float scale, int m, int n, int k, float* c,
                       float* abs_c) {
  switch (in) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return launch<float>(a, b, scale, m, n, k, c, abs_c);
    case Dtype::kFp16:
      return launch<__half>(a, b, scale, m, n, k, c, abs_c);
    case Dtype::kBf16:
      return launch<__nv_bfloat16>(a, b, scale, m, n, k, c, abs_c);
    case Dtype::kFp8E4M3:
      return launch<__nv_fp8_e4m3>(a, b, scale, m, n, k, c, abs_c);
  }
}

}  // namespace orrery::models::calibration
