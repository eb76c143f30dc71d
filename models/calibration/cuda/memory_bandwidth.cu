// Memory family: device-memory bandwidth of three streaming kernels over buffer
// sizes from 1 MiB to 4 GiB — `read` (XOR-reduces every 32-bit word, so the loads
// cannot be dropped), `write` (stores a constant) and `copy` (dst = src). All
// use 16-byte vector accesses, a grid-stride loop with four independent
// accesses in flight per thread, and 8 blocks of 256 threads per SM. `bytes` is
// the buffer size: read and write move `bytes`, copy moves 2 × `bytes`; the
// comment gives the achieved rate in those terms. Sizes below the L2 (50 MB on
// an H100) measure the L2, as a real kernel touching that much would see.
// --verify checks the XOR, the copy and the stores against host results.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "models/calibration/cuda/device_buffer.hpp"
#include "models/calibration/cuda/dtype.hpp"
#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 4;

__device__ inline std::uint32_t xor_words(uint4 v) {
  return v.x ^ v.y ^ v.z ^ v.w;
}

__global__ void read_kernel(const uint4* __restrict__ src, std::size_t n,
                            std::uint32_t* __restrict__ result) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  std::uint32_t acc = 0;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc ^= xor_words(v[u]);
  }
  for (; i < n; i += stride) acc ^= xor_words(src[i]);
  for (int offset = 16; offset > 0; offset /= 2) acc ^= __shfl_xor_sync(0xffffffffu, acc, offset);
  if (threadIdx.x % 32 == 0) atomicXor(result, acc);
}

__global__ void write_kernel(uint4* __restrict__ dst, std::size_t n, std::uint32_t value) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const uint4 v = make_uint4(value, value, value, value);
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[i + u * stride] = v;
  }
  for (; i < n; i += stride) dst[i] = v;
}

__global__ void copy_kernel(const uint4* __restrict__ src, uint4* __restrict__ dst, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[i + u * stride] = v[u];
  }
  for (; i < n; i += stride) dst[i] = src[i];
}

enum class Kernel { kRead, kWrite, kCopy };
constexpr std::array kKernels{Kernel::kRead, Kernel::kWrite, Kernel::kCopy};

const char* kernel_name(Kernel k) {
  switch (k) {
    case Kernel::kRead:
      return "read";
    case Kernel::kWrite:
      return "write";
    case Kernel::kCopy:
      return "copy";
  }
  return "?";
}

// Enqueues one run over `n` 16-byte vectors.
void launch(Kernel kernel, const GpuInfo& gpu, const DeviceBuffer& src, const DeviceBuffer& dst,
            std::size_t n, std::uint32_t* result) {
  const std::size_t wanted = (n + kThreads - 1) / kThreads;
  const auto blocks =
      static_cast<unsigned>(std::clamp<std::size_t>(wanted, 1, static_cast<std::size_t>(gpu.sms) * 8));
  switch (kernel) {
    case Kernel::kRead:
      read_kernel<<<blocks, kThreads>>>(src.as<const uint4>(), n, result);
      break;
    case Kernel::kWrite:
      write_kernel<<<blocks, kThreads>>>(dst.as<uint4>(), n, 0x3c003c00u);
      break;
    case Kernel::kCopy:
      copy_kernel<<<blocks, kThreads>>>(src.as<const uint4>(), dst.as<uint4>(), n);
      break;
  }
}

}  // namespace

void measure_memory(const RunContext& ctx, Section& out) {
  std::vector<std::size_t> sizes;
  for (std::size_t b = std::size_t{1} << 20; b <= std::size_t{4} << 30; b *= 2) sizes.push_back(b);
  if (ctx.options.quick)
    sizes = {std::size_t{1} << 20, std::size_t{8} << 20, std::size_t{64} << 20, std::size_t{512} << 20,
             std::size_t{4} << 30};
  const DeviceBuffer result(sizeof(std::uint32_t));
  for (Kernel kernel : kKernels) {
    for (std::size_t bytes : sizes) {
      const std::size_t buffers = kernel == Kernel::kCopy ? 2 : 1;
      if (!fits_in_device_memory(buffers * bytes)) {
        out.skip(std::string(kernel_name(kernel)) + " " + format_bytes(bytes), "does not fit in free device memory");
        continue;
      }
      const DeviceBuffer src(kernel == Kernel::kWrite ? 0 : bytes);
      const DeviceBuffer dst(kernel == Kernel::kRead ? 0 : bytes);
      if (kernel != Kernel::kWrite) fill_uniform(src.get(), bytes / 4, Dtype::kFp32, 3);
      const std::size_t n = bytes / sizeof(uint4);
      const double t = median_seconds(
          ctx.timing, [&] { launch(kernel, ctx.gpu, src, dst, n, result.as<std::uint32_t>()); });
      const double moved = static_cast<double>(bytes) * (kernel == Kernel::kCopy ? 2.0 : 1.0);
      Row row;
      row.add("kernel", kernel_name(kernel)).add("bytes", yaml_quoted(format_bytes(bytes))).add_time(t);
      row.comment(rate(moved / t, "B/s"));
      report_row("memory", row);
      out.add(row);
    }
  }
}

bool verify_memory(const RunContext& ctx) {
  // An odd vector count exercises both the unrolled loop and its tail.
  constexpr std::size_t kVectors = 100'003;
  constexpr std::size_t kWords = kVectors * 4;
  const DeviceBuffer src(kVectors * sizeof(uint4));
  const DeviceBuffer dst(kVectors * sizeof(uint4));
  const DeviceBuffer result(sizeof(std::uint32_t));
  fill_uniform(src.get(), kWords, Dtype::kFp32, 5);
  std::vector<std::uint32_t> host(kWords);
  ORRERY_CUDA_CHECK(cudaMemcpy(host.data(), src.get(), kWords * 4, cudaMemcpyDeviceToHost));
  bool ok = true;

  ORRERY_CUDA_CHECK(cudaMemset(result.get(), 0, sizeof(std::uint32_t)));
  launch(Kernel::kRead, ctx.gpu, src, dst, kVectors, result.as<std::uint32_t>());
  std::uint32_t got = 0;
  ORRERY_CUDA_CHECK(cudaMemcpy(&got, result.get(), sizeof(got), cudaMemcpyDeviceToHost));
  std::uint32_t want = 0;
  for (std::uint32_t w : host) want ^= w;
  ok &= report_check("memory read (xor of all words)", got == want ? 0.0 : 1.0, 0.0);

  launch(Kernel::kCopy, ctx.gpu, src, dst, kVectors, nullptr);
  std::vector<std::uint32_t> copied(kWords);
  ORRERY_CUDA_CHECK(cudaMemcpy(copied.data(), dst.get(), kWords * 4, cudaMemcpyDeviceToHost));
  std::size_t copy_errors = 0;
  for (std::size_t i = 0; i < kWords; ++i) copy_errors += copied[i] != host[i] ? 1 : 0;
  ok &= report_check("memory copy (words differing)", static_cast<double>(copy_errors), 0.0);

  launch(Kernel::kWrite, ctx.gpu, src, dst, kVectors, nullptr);
  std::vector<std::uint32_t> written(kWords);
  ORRERY_CUDA_CHECK(cudaMemcpy(written.data(), dst.get(), kWords * 4, cudaMemcpyDeviceToHost));
  const auto write_errors =
      static_cast<double>(std::ranges::count_if(written, [](std::uint32_t w) { return w != 0x3c003c00u; }));
  ok &= report_check("memory write (words differing)", write_errors, 0.0);
  ORRERY_CUDA_CHECK(cudaGetLastError());
  return ok;
}

}  // namespace orrery::models::calibration
