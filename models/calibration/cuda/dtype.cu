// Fill and conversion helpers of dtype.hpp. The fill hashes each element's index
// with SplitMix64, so that it is deterministic, needs no state and runs at
// memory speed even for the 1 GiB GEMM operands.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cstring>

#include "models/calibration/cuda/cuda_check.hpp"
#include "models/calibration/cuda/dtype.hpp"

namespace orrery::models::calibration {

namespace {

__host__ __device__ inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

template <class T>
__host__ __device__ inline T narrow(float v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(v);
  } else {
    return T(v);  // __nv_fp8_e4m3: round to nearest, saturating
  }
}

template <class T>
__host__ __device__ inline float widen(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else {
    return static_cast<float>(v);
  }
}

template <class T>
__global__ void fill_kernel(T* data, std::size_t count, std::uint64_t seed, float lo, float hi) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += stride) {
    const float u = static_cast<float>(splitmix64(seed * 0x100000001b3ull + i) >> 40) * 0x1.0p-24f;  // [0, 1)
    data[i] = narrow<T>(lo + (hi - lo) * u);
  }
}

template <class T>
void fill_typed(void* data, std::size_t count, std::uint64_t seed, float lo, float hi) {
  constexpr int kThreads = 256;
  const std::size_t blocks = (count + kThreads - 1) / kThreads;
  const unsigned grid = static_cast<unsigned>(blocks < 65536 ? (blocks == 0 ? 1 : blocks) : 65536);
  fill_kernel<T><<<grid, kThreads>>>(static_cast<T*>(data), count, seed, lo, hi);
  ORRERY_CUDA_CHECK(cudaGetLastError());
}

template <class T>
std::vector<float> to_host_typed(const void* data, std::size_t count) {
  std::vector<T> raw(count);
  ORRERY_CUDA_CHECK(cudaMemcpy(raw.data(), data, count * sizeof(T), cudaMemcpyDeviceToHost));
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = widen(raw[i]);
  return out;
}

template <class T>
void from_host_typed(std::span<const float> values, void* data) {
  std::vector<T> raw(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) raw[i] = narrow<T>(values[i]);
  ORRERY_CUDA_CHECK(cudaMemcpy(data, raw.data(), raw.size() * sizeof(T), cudaMemcpyHostToDevice));
}

}  // namespace

std::string_view dtype_name(Dtype d) {
  switch (d) {
    case Dtype::kFp32:
      return "fp32";
    case Dtype::kTf32:
      return "tf32";
    case Dtype::kFp16:
      return "fp16";
    case Dtype::kBf16:
      return "bf16";
    case Dtype::kFp8E4M3:
      return "fp8";
  }
  return "?";
}

std::size_t dtype_bytes(Dtype d) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return 4;
    case Dtype::kFp16:
    case Dtype::kBf16:
      return 2;
    case Dtype::kFp8E4M3:
      return 1;
  }
  return 0;
}

void fill_uniform(void* data, std::size_t count, Dtype d, std::uint64_t seed, float lo, float hi) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return fill_typed<float>(data, count, seed, lo, hi);
    case Dtype::kFp16:
      return fill_typed<__half>(data, count, seed, lo, hi);
    case Dtype::kBf16:
      return fill_typed<__nv_bfloat16>(data, count, seed, lo, hi);
    case Dtype::kFp8E4M3:
      return fill_typed<__nv_fp8_e4m3>(data, count, seed, lo, hi);
  }
}

std::vector<float> to_host_floats(const void* data, std::size_t count, Dtype d) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return to_host_typed<float>(data, count);
    case Dtype::kFp16:
      return to_host_typed<__half>(data, count);
    case Dtype::kBf16:
      return to_host_typed<__nv_bfloat16>(data, count);
    case Dtype::kFp8E4M3:
      return to_host_typed<__nv_fp8_e4m3>(data, count);
  }
  return {};
}

void from_host_floats(std::span<const float> values, void* data, Dtype d) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return from_host_typed<float>(values, data);
    case Dtype::kFp16:
      return from_host_typed<__half>(values, data);
    case Dtype::kBf16:
      return from_host_typed<__nv_bfloat16>(values, data);
    case Dtype::kFp8E4M3:
      return from_host_typed<__nv_fp8_e4m3>(values, data);
  }
}

float round_to(Dtype d, float v) {
  switch (d) {
    case Dtype::kFp32:
    case Dtype::kTf32:
      return v;
    case Dtype::kFp16:
      return widen(narrow<__half>(v));
    case Dtype::kBf16:
      return widen(narrow<__nv_bfloat16>(v));
    case Dtype::kFp8E4M3:
      return widen(narrow<__nv_fp8_e4m3>(v));
  }
  return v;
}

}  // namespace orrery::models::calibration
