// Elementwise kernels of the `layer` family (layer_kernels.hpp): tanh-GELU,
// SwiGLU's silu and products, the residual add, the embedding gather and its
// atomic scatter, and the fused Adam step. Each is one grid-stride loop over
// scalar elements (the bytes eager PyTorch's vectorised elementwise kernels
// move), 256 threads a block, the grid capped at 2^19 blocks.
#include <cuda_runtime.h>

#include "models/calibration/cuda/cuda_check.hpp"
#include "models/calibration/cuda/layer_kernels.hpp"

namespace orrery::models::calibration::layer {

namespace {

constexpr int kThreads = 256;
constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

unsigned blocks_for(std::size_t n) {
  const std::size_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 65536 * 8 ? b : 65536 * 8);
}

#define ORRERY_GRID_STRIDE(i, n)                                                               \
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(kThreads) + threadIdx.x; i < (n); \
       i += static_cast<std::size_t>(gridDim.x) * kThreads)

__device__ float f(bf16 v) {
  return __bfloat162float(v);
}

__global__ void gelu_fwd(const bf16* x, bf16* y, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) {
    const float v = f(x[i]);
    y[i] = __float2bfloat16(0.5f * v * (1.0f + tanhf(kGeluC * (v + kGeluA * v * v * v))));
  }
}

__global__ void gelu_bwd(const bf16* dy, const bf16* x, bf16* dx, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) {
    const float v = f(x[i]);
    const float t = tanhf(kGeluC * (v + kGeluA * v * v * v));
    const float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluC * (1.0f + 3.0f * kGeluA * v * v);
    dx[i] = __float2bfloat16(f(dy[i]) * d);
  }
}

__global__ void silu_fwd(const bf16* x, bf16* y, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) {
    const float v = f(x[i]);
    y[i] = __float2bfloat16(v / (1.0f + __expf(-v)));
  }
}

// d silu(x) = s (1 + x (1 - s)), s = sigmoid(x).
__global__ void silu_bwd(const bf16* dy, const bf16* x, bf16* dx, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) {
    const float v = f(x[i]);
    const float s = 1.0f / (1.0f + __expf(-v));
    dx[i] = __float2bfloat16(f(dy[i]) * s * (1.0f + v * (1.0f - s)));
  }
}

__global__ void mul(const bf16* a, const bf16* b, bf16* c, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) c[i] = __float2bfloat16(f(a[i]) * f(b[i]));
}

__global__ void add(const bf16* a, const bf16* b, bf16* c, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) c[i] = __float2bfloat16(f(a[i]) + f(b[i]));
}

__global__ void gather_rows(const bf16* table, const std::int32_t* ids, bf16* out, int width, std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) {
    out[i] = table[static_cast<std::size_t>(ids[i / width]) * width + i % width];
  }
}

__global__ void scatter_rows(const bf16* dout, const std::int32_t* ids, float* dtable, int width,
                             std::size_t n) {
  ORRERY_GRID_STRIDE(i, n) {
    atomicAdd(dtable + static_cast<std::size_t>(ids[i / width]) * width + i % width, f(dout[i]));
  }
}

__global__ void adam(float* p, const float* g, float* m, float* v, std::size_t n, AdamConfig c, float bc1,
                     float bc2) {
  ORRERY_GRID_STRIDE(i, n) {
    const float gi = g[i];
    const float mi = c.beta1 * m[i] + (1.0f - c.beta1) * gi;
    const float vi = c.beta2 * v[i] + (1.0f - c.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float pi = p[i] * (1.0f - c.lr * c.weight_decay);
    p[i] = pi - c.lr * (mi / bc1) / (sqrtf(vi / bc2) + c.eps);
  }
}

}  // namespace

void gelu_forward(const bf16* x, bf16* y, std::size_t n) {
  gelu_fwd<<<blocks_for(n), kThreads>>>(x, y, n);
}

void gelu_backward(const bf16* dy, const bf16* x, bf16* dx, std::size_t n) {
  gelu_bwd<<<blocks_for(n), kThreads>>>(dy, x, dx, n);
}

void swiglu_forward(const bf16* gate, const bf16* up, bf16* silu, bf16* y, std::size_t n) {
  silu_fwd<<<blocks_for(n), kThreads>>>(gate, silu, n);
  mul<<<blocks_for(n), kThreads>>>(silu, up, y, n);
}

// Autograd of y = silu(gate) * up: dup = dy silu, dsilu = dy up, dgate = silu'(gate) dsilu.
void swiglu_backward(const bf16* dy, const bf16* gate, const bf16* up, const bf16* silu, bf16* dsilu,
                     bf16* dgate, bf16* dup, std::size_t n) {
  mul<<<blocks_for(n), kThreads>>>(dy, silu, dup, n);
  mul<<<blocks_for(n), kThreads>>>(dy, up, dsilu, n);
  silu_bwd<<<blocks_for(n), kThreads>>>(dsilu, gate, dgate, n);
}

void add_forward(const bf16* a, const bf16* b, bf16* c, std::size_t n) {
  add<<<blocks_for(n), kThreads>>>(a, b, c, n);
}

void embedding_forward(const bf16* table, const std::int32_t* ids, bf16* out, int tokens, int width) {
  const std::size_t n = static_cast<std::size_t>(tokens) * width;
  gather_rows<<<blocks_for(n), kThreads>>>(table, ids, out, width, n);
}

void embedding_backward(const bf16* dout, const std::int32_t* ids, float* dtable, int tokens, int width,
                        int vocab) {
  ORRERY_CUDA_CHECK(cudaMemsetAsync(dtable, 0, sizeof(float) * static_cast<std::size_t>(vocab) * width));
  const std::size_t n = static_cast<std::size_t>(tokens) * width;
  scatter_rows<<<blocks_for(n), kThreads>>>(dout, ids, dtable, width, n);
}

void adam_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamConfig& c) {
  const float bc1 = 1.0f - powf(c.beta1, static_cast<float>(c.step));
  const float bc2 = 1.0f - powf(c.beta2, static_cast<float>(c.step));
  adam<<<blocks_for(n), kThreads>>>(param, grad, m, v, n, c, bc1, bc2);
}

}  // namespace orrery::models::calibration::layer
