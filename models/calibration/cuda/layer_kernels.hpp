// The memory-bound layer kernels of the `layer` family, written the way an
// eager framework launches them: one kernel per op, no fusion across ops,
// bf16 activations with fp32 statistics and accumulation, fp32 logits and
// optimizer states. Launchers enqueue on the default stream; pointers are
// device pointers; rows are `tokens`, columns `width`, row-major.
#pragma once

#include <cuda_bf16.h>

#include <cstddef>
#include <cstdint>

namespace orrery::models::calibration::layer {

using bf16 = __nv_bfloat16;

// LayerNorm / RMSNorm over each row (eps 1e-5). Forward saves mean (LayerNorm)
// and 1/rms or 1/std per row; backward is a row kernel for dx and a column
// kernel for dgamma (and dbeta), as PyTorch's native layer_norm_backward.
void layernorm_forward(const bf16* x, const bf16* gamma, const bf16* beta, bf16* y, float* mean, float* rstd,
                       int tokens, int width);
void layernorm_backward(const bf16* dy, const bf16* x, const bf16* gamma, const float* mean,
                        const float* rstd, bf16* dx, float* dgamma, float* dbeta, int tokens, int width);
void rmsnorm_forward(const bf16* x, const bf16* gamma, bf16* y, float* rstd, int tokens, int width);
void rmsnorm_backward(const bf16* dy, const bf16* x, const bf16* gamma, const float* rstd, bf16* dx,
                      float* dgamma, int tokens, int width);

// Elementwise, n elements: tanh-GELU and its backward; SwiGLU as eager runs
// silu(gate) * up (two kernels forward, three backward); residual add.
void gelu_forward(const bf16* x, bf16* y, std::size_t n);
void gelu_backward(const bf16* dy, const bf16* x, bf16* dx, std::size_t n);
void swiglu_forward(const bf16* gate, const bf16* up, bf16* silu, bf16* y, std::size_t n);
void swiglu_backward(const bf16* dy, const bf16* gate, const bf16* up, const bf16* silu, bf16* dsilu,
                     bf16* dgate, bf16* dup, std::size_t n);
void add_forward(const bf16* a, const bf16* b, bf16* c, std::size_t n);

// Cross entropy over fp32 logits as log_softmax + nll_loss (mean over tokens):
// forward writes the log-probabilities and the loss; backward builds the
// nll gradient (zero fill + scatter of -1/tokens) and log_softmax's backward.
void cross_entropy_forward(const float* logits, const std::int32_t* target, float* logp, float* loss,
                           int tokens, int vocab);
void cross_entropy_backward(const float* logp, const std::int32_t* target, float* dnll, float* dlogits,
                            int tokens, int vocab);

// Embedding rows of a `vocab` x width bf16 table; backward zero-fills an fp32
// gradient table and accumulates each token's row into it with atomics.
void embedding_forward(const bf16* table, const std::int32_t* ids, bf16* out, int tokens, int width);
void embedding_backward(const bf16* dout, const std::int32_t* ids, float* dtable, int tokens, int width,
                        int vocab);

// One fused Adam step (PyTorch's fused=True): fp32 parameters, gradients and
// both moments, n elements, step `step` (bias corrections), lr 1e-4, betas
// (0.9, 0.999), eps 1e-8, weight decay 0.01 (decoupled, AdamW).
struct AdamConfig {
  float lr = 1e-4f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.01f;
  int step = 1;
};
void adam_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamConfig& c);

}  // namespace orrery::models::calibration::layer
