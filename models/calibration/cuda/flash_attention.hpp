// A fused attention kernel written for calibration (flash_attention.cu):
// O = softmax(Q K^T / sqrt(d), causal mask optional) V for every (batch, head),
// with grouped-query heads (`kv_heads` divides `heads`). Tensors are
// contiguous [batch][heads or kv_heads][seq][head_dim] in bf16 or fp16;
// head_dim is 64 or 128.
#pragma once

#include "models/calibration/cuda/dtype.hpp"

namespace orrery::models::calibration {

struct AttentionShape {
  int batch = 1;
  int heads = 1;
  int kv_heads = 1;
  int seq = 1;
  int head_dim = 128;
  bool causal = false;
};

// Raises the dynamic shared-memory limit of every instantiation; call once before launching.
void prepare_flash_attention();
// Enqueues one forward pass on the default stream. Throws for an unsupported dtype or head_dim.
void flash_attention(Dtype dtype, const AttentionShape& shape, const void* q, const void* k, const void* v,
                     void* o);

}  // namespace orrery::models::calibration
