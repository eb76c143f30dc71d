// Decode attention over a paged KV cache (decode_attention.cu), the kernel a
// serving engine runs once per layer per decode step (vLLM's paged attention,
// FlashInfer's decode): one new query per sequence and head attends to every
// cached key and value of its sequence. The cache is paged as vLLM keeps it:
// blocks of 16 tokens, [block][kv_head][token][head_dim], found through a
// per-sequence block table. Split-K in the manner of flash-decoding: the
// context is cut into chunks walked by separate thread blocks, whose partial
// softmax sums a second kernel combines. q and o are [batch][heads][head_dim];
// bf16 or fp16; head_dim 64 or 128; heads a multiple of kv_heads, at most 8
// query heads per key/value head.
#pragma once

#include <cstdint>

#include "models/calibration/cuda/dtype.hpp"

namespace orrery::models::calibration {

inline constexpr int kKvBlockTokens = 16;

struct DecodeShape {
  int batch = 1;
  int heads = 32;
  int kv_heads = 8;
  int head_dim = 128;
  int context = 1024;  // cached tokens per sequence
};

// Blocks each sequence needs, and in all.
[[nodiscard]] inline int blocks_per_sequence(const DecodeShape& s) {
  return (s.context + kKvBlockTokens - 1) / kKvBlockTokens;
}

// Scratch the split-K partials need (floats), for `splits` chunks.
[[nodiscard]] std::size_t decode_scratch_floats(const DecodeShape& s, int splits);
// How many chunks to cut the context into on a GPU of `sms` multiprocessors.
[[nodiscard]] int decode_splits(const DecodeShape& s, int sms);

// Enqueues one decode attention on the default stream. `block_table` is
// [batch][blocks_per_sequence] block indices into k_cache and v_cache.
// Throws for an unsupported dtype, head_dim or head grouping.
void decode_attention(Dtype dtype, const DecodeShape& s, int splits, const void* q, const void* k_cache,
                      const void* v_cache, const std::int32_t* block_table, float* scratch, void* o);

}  // namespace orrery::models::calibration
