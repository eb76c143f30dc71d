// Row kernels of the `layer` family (layer_kernels.hpp): LayerNorm, RMSNorm and
// the log_softmax of cross entropy reduce across a row, so each uses one
// 256-thread block per row, statistics in fp32 through warp shuffles; the
// dgamma/dbeta reductions down the columns use one thread per column and a
// slice of rows per block, summed with fp32 atomics into zeroed buffers.
#include <cuda_runtime.h>

#include "models/calibration/cuda/cuda_check.hpp"
#include "models/calibration/cuda/layer_kernels.hpp"

namespace orrery::models::calibration::layer {

namespace {

constexpr int kThreads = 256;
constexpr float kEps = 1e-5f;
constexpr int kRowsPerSlice = 64;  // rows each column-reduction block sums

// The sum of `v` over the block, returned to every thread.
__device__ float block_sum(float v) {
  __shared__ float partial[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  __syncthreads();  // `partial` may still be read from the previous call
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  float total = 0;
  for (int w = 0; w < kThreads / 32; ++w) total += partial[w];
  return total;
}

__device__ float block_max(float v) {
  __shared__ float partial[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  __syncthreads();
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  float m = partial[0];
  for (int w = 1; w < kThreads / 32; ++w) m = fmaxf(m, partial[w]);
  return m;
}

// rms = true: RMSNorm (no mean, no beta).
template <bool kRms>
__global__ void norm_forward(const bf16* x, const bf16* gamma, const bf16* beta, bf16* y, float* mean,
                             float* rstd, int width) {
  const std::size_t row = static_cast<std::size_t>(blockIdx.x) * width;
  float s = 0, ss = 0;
  for (int i = threadIdx.x; i < width; i += kThreads) {
    const float v = __bfloat162float(x[row + i]);
    s += v;
    ss += v * v;
  }
  const float mu = kRms ? 0.0f : block_sum(s) / width;
  const float r = rsqrtf(fmaxf(block_sum(ss) / width - mu * mu, 0.0f) + kEps);
  for (int i = threadIdx.x; i < width; i += kThreads) {
    const float n = (__bfloat162float(x[row + i]) - mu) * r * __bfloat162float(gamma[i]);
    y[row + i] = __float2bfloat16(kRms ? n : n + __bfloat162float(beta[i]));
  }
  if (threadIdx.x == 0) {
    if (!kRms) mean[blockIdx.x] = mu;
    rstd[blockIdx.x] = r;
  }
}

// dx = r (g - mean(g) - xhat mean(g xhat)), g = dy gamma (RMSNorm drops mean(g)).
template <bool kRms>
__global__ void norm_backward_dx(const bf16* dy, const bf16* x, const bf16* gamma, const float* mean,
                                 const float* rstd, bf16* dx, int width) {
  const std::size_t row = static_cast<std::size_t>(blockIdx.x) * width;
  const float mu = kRms ? 0.0f : mean[blockIdx.x];
  const float r = rstd[blockIdx.x];
  float sg = 0, sgx = 0;
  for (int i = threadIdx.x; i < width; i += kThreads) {
    const float g = __bfloat162float(dy[row + i]) * __bfloat162float(gamma[i]);
    sg += g;
    sgx += g * (__bfloat162float(x[row + i]) - mu) * r;
  }
  const float mg = kRms ? 0.0f : block_sum(sg) / width;
  const float mgx = block_sum(sgx) / width;
  for (int i = threadIdx.x; i < width; i += kThreads) {
    const float g = __bfloat162float(dy[row + i]) * __bfloat162float(gamma[i]);
    const float xhat = (__bfloat162float(x[row + i]) - mu) * r;
    dx[row + i] = __float2bfloat16(r * (g - mg - xhat * mgx));
  }
}

// dgamma = sum over rows of dy xhat; dbeta = sum of dy (null for RMSNorm).
template <bool kRms>
__global__ void norm_backward_params(const bf16* dy, const bf16* x, const float* mean, const float* rstd,
                                     float* dgamma, float* dbeta, int tokens, int width) {
  const int col = blockIdx.x * kThreads + threadIdx.x;
  if (col >= width) return;
  const int first = blockIdx.y * kRowsPerSlice;
  const int last = min(first + kRowsPerSlice, tokens);
  float dg = 0, db = 0;
  for (int t = first; t < last; ++t) {
    const std::size_t at = static_cast<std::size_t>(t) * width + col;
    const float d = __bfloat162float(dy[at]);
    dg += d * (__bfloat162float(x[at]) - (kRms ? 0.0f : mean[t])) * rstd[t];
    db += d;
  }
  atomicAdd(dgamma + col, dg);
  if (!kRms) atomicAdd(dbeta + col, db);
}

template <bool kRms>
void norm_backward(const bf16* dy, const bf16* x, const bf16* gamma, const float* mean, const float* rstd,
                   bf16* dx, float* dgamma, float* dbeta, int tokens, int width) {
  norm_backward_dx<kRms><<<tokens, kThreads>>>(dy, x, gamma, mean, rstd, dx, width);
  ORRERY_CUDA_CHECK(cudaMemsetAsync(dgamma, 0, sizeof(float) * width));
  if (!kRms) ORRERY_CUDA_CHECK(cudaMemsetAsync(dbeta, 0, sizeof(float) * width));
  const dim3 grid((width + kThreads - 1) / kThreads, (tokens + kRowsPerSlice - 1) / kRowsPerSlice);
  norm_backward_params<kRms><<<grid, kThreads>>>(dy, x, mean, rstd, dgamma, dbeta, tokens, width);
}

__global__ void log_softmax_forward(const float* logits, float* logp, int vocab) {
  const std::size_t row = static_cast<std::size_t>(blockIdx.x) * vocab;
  float m = -INFINITY;
  for (int i = threadIdx.x; i < vocab; i += kThreads) m = fmaxf(m, logits[row + i]);
  m = block_max(m);
  float s = 0;
  for (int i = threadIdx.x; i < vocab; i += kThreads) s += __expf(logits[row + i] - m);
  const float lse = m + __logf(block_sum(s));
  for (int i = threadIdx.x; i < vocab; i += kThreads) logp[row + i] = logits[row + i] - lse;
}

// loss = -mean over tokens of logp[t][target[t]] (one block).
__global__ void nll_forward(const float* logp, const std::int32_t* target, float* loss, int tokens,
                            int vocab) {
  float s = 0;
  for (int t = threadIdx.x; t < tokens; t += kThreads)
    s -= logp[static_cast<std::size_t>(t) * vocab + target[t]];
  s = block_sum(s);
  if (threadIdx.x == 0) *loss = s / tokens;
}

__global__ void nll_backward(const std::int32_t* target, float* dnll, int tokens, int vocab) {
  const int t = blockIdx.x * kThreads + threadIdx.x;
  if (t < tokens) dnll[static_cast<std::size_t>(t) * vocab + target[t]] = -1.0f / tokens;
}

// dlogits = g - exp(logp) sum(g), per row.
__global__ void log_softmax_backward(const float* logp, const float* g, float* dlogits, int vocab) {
  const std::size_t row = static_cast<std::size_t>(blockIdx.x) * vocab;
  float s = 0;
  for (int i = threadIdx.x; i < vocab; i += kThreads) s += g[row + i];
  s = block_sum(s);
  for (int i = threadIdx.x; i < vocab; i += kThreads)
    dlogits[row + i] = g[row + i] - __expf(logp[row + i]) * s;
}

}  // namespace

void layernorm_forward(const bf16* x, const bf16* gamma, const bf16* beta, bf16* y, float* mean, float* rstd,
                       int tokens, int width) {
  norm_forward<false><<<tokens, kThreads>>>(x, gamma, beta, y, mean, rstd, width);
}

void layernorm_backward(const bf16* dy, const bf16* x, const bf16* gamma, const float* mean,
                        const float* rstd, bf16* dx, float* dgamma, float* dbeta, int tokens, int width) {
  norm_backward<false>(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, tokens, width);
}

void rmsnorm_forward(const bf16* x, const bf16* gamma, bf16* y, float* rstd, int tokens, int width) {
  norm_forward<true><<<tokens, kThreads>>>(x, gamma, nullptr, y, nullptr, rstd, width);
}

void rmsnorm_backward(const bf16* dy, const bf16* x, const bf16* gamma, const float* rstd, bf16* dx,
                      float* dgamma, int tokens, int width) {
  norm_backward<true>(dy, x, gamma, nullptr, rstd, dx, dgamma, nullptr, tokens, width);
}

void cross_entropy_forward(const float* logits, const std::int32_t* target, float* logp, float* loss,
                           int tokens, int vocab) {
  log_softmax_forward<<<tokens, kThreads>>>(logits, logp, vocab);
  nll_forward<<<1, kThreads>>>(logp, target, loss, tokens, vocab);
}

void cross_entropy_backward(const float* logp, const std::int32_t* target, float* dnll, float* dlogits,
                            int tokens, int vocab) {
  ORRERY_CUDA_CHECK(cudaMemsetAsync(dnll, 0, sizeof(float) * static_cast<std::size_t>(tokens) * vocab));
  nll_backward<<<(tokens + kThreads - 1) / kThreads, kThreads>>>(target, dnll, tokens, vocab);
  log_softmax_backward<<<tokens, kThreads>>>(logp, dnll, dlogits, vocab);
}

}  // namespace orrery::models::calibration::layer
