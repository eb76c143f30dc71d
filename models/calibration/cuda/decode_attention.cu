// Decode attention over a paged KV cache, written plainly for calibration
// (decode_attention.hpp). The partial kernel: one thread block of 4 warps per
// (sequence, key/value head, context chunk); the warps take the chunk's tokens
// in turn, each lane holding head_dim / 32 elements of every query head of the
// group, so one pass over a cached key serves the whole group (grouped-query
// attention reads K and V once). Per token: the dot products reduced across
// the warp with shuffles, an online softmax per query head in base e
// (m' = max(m, s), l' = l e^(m - m') + e^(s - m'), acc' = acc e^(m - m') +
// e^(s - m') v). The warps' states merge in shared memory and the chunk's
// (m, l, acc) go to scratch; the combine kernel merges the chunks and writes
// o = acc / l. fp32 throughout after loading.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "models/calibration/cuda/cuda_check.hpp"
#include "models/calibration/cuda/decode_attention.hpp"

namespace orrery::models::calibration {

namespace {

constexpr int kWarps = 4;
constexpr int kMaxGroup = 8;  // query heads per key/value head

__device__ inline float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ inline float to_float(__half v) { return __half2float(v); }
template <class T>
__device__ inline T from_float(float v);
template <>
__device__ inline __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16(v);
}
template <>
__device__ inline __half from_float<__half>(float v) {
  return __float2half(v);
}

template <class T, int D>
__global__ void __launch_bounds__(kWarps * 32)
    decode_partial(const T* __restrict__ q, const T* __restrict__ k_cache, const T* __restrict__ v_cache,
                   const std::int32_t* __restrict__ block_table, float* __restrict__ scratch, int heads, int kv_heads,
                   int context, int blocks_per_seq, int splits, float scale) {
  constexpr int E = D / 32;  // elements per lane
  const int group = heads / kv_heads;
  const int b = blockIdx.x / kv_heads;
  const int kvh = blockIdx.x % kv_heads;
  const int split = blockIdx.y;
  const int chunk = (context + splits - 1) / splits;
  const int start = split * chunk;
  const int end = min(context, start + chunk);
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;

  float qv[kMaxGroup][E];
  float acc[kMaxGroup][E];
  float m[kMaxGroup];
  float l[kMaxGroup];
#pragma unroll
  for (int g = 0; g < kMaxGroup; ++g) {
    m[g] = -INFINITY;
    l[g] = 0.0f;
#pragma unroll
    for (int e = 0; e < E; ++e) {
      acc[g][e] = 0.0f;
      qv[g][e] = 0.0f;
      if (g < group) qv[g][e] = to_float(q[(static_cast<long long>(b) * heads + kvh * group + g) * D + lane * E + e]);
    }
  }
  for (int t = start + warp; t < end; t += kWarps) {
    const int block = block_table[static_cast<long long>(b) * blocks_per_seq + t / kKvBlockTokens];
    const long long row = ((static_cast<long long>(block) * kv_heads + kvh) * kKvBlockTokens + t % kKvBlockTokens) * D;
    float kk[E];
    float vv[E];
#pragma unroll
    for (int e = 0; e < E; ++e) {
      kk[e] = to_float(k_cache[row + lane * E + e]);
      vv[e] = to_float(v_cache[row + lane * E + e]);
    }
#pragma unroll
    for (int g = 0; g < kMaxGroup; ++g) {
      if (g >= group) break;
      float dot = 0.0f;
#pragma unroll
      for (int e = 0; e < E; ++e) dot += qv[g][e] * kk[e];
#pragma unroll
      for (int off = 16; off > 0; off /= 2) dot += __shfl_xor_sync(0xffffffffu, dot, off);
      const float s = dot * scale;
      const float m_new = fmaxf(m[g], s);
      const float corr = __expf(m[g] - m_new);
      const float p = __expf(s - m_new);
      l[g] = l[g] * corr + p;
#pragma unroll
      for (int e = 0; e < E; ++e) acc[g][e] = acc[g][e] * corr + p * vv[e];
      m[g] = m_new;
    }
  }
  // Merge the warps: each writes its state, warp 0 combines.
  __shared__ float sm[kWarps][kMaxGroup];
  __shared__ float sl[kWarps][kMaxGroup];
  __shared__ float sacc[kWarps][kMaxGroup][D];
#pragma unroll
  for (int g = 0; g < kMaxGroup; ++g) {
    if (g >= group) break;
    if (lane == 0) {
      sm[warp][g] = m[g];
      sl[warp][g] = l[g];
    }
#pragma unroll
    for (int e = 0; e < E; ++e) sacc[warp][g][lane * E + e] = acc[g][e];
  }
  __syncthreads();
  if (warp != 0) return;
  for (int g = 0; g < group; ++g) {
    float mm = -INFINITY;
    for (int w = 0; w < kWarps; ++w) mm = fmaxf(mm, sm[w][g]);
    float* out = scratch + ((static_cast<long long>(b) * heads + kvh * group + g) * splits + split) * (D + 2);
    float ll = 0.0f;
    float weight[kWarps];
    for (int w = 0; w < kWarps; ++w) {
      weight[w] = mm == -INFINITY ? 0.0f : __expf(sm[w][g] - mm);
      ll += sl[w][g] * weight[w];
    }
    for (int e = lane; e < D; e += 32) {
      float a = 0.0f;
      for (int w = 0; w < kWarps; ++w) a += sacc[w][g][e] * weight[w];
      out[2 + e] = a;
    }
    if (lane == 0) {
      out[0] = mm;
      out[1] = ll;
    }
  }
}

template <class T, int D>
__global__ void decode_combine(const float* __restrict__ scratch, T* __restrict__ o, int splits) {
  const int bh = blockIdx.x;  // (batch, head)
  const int e = threadIdx.x;
  const float* parts = scratch + static_cast<long long>(bh) * splits * (D + 2);
  float mm = -INFINITY;
  for (int s = 0; s < splits; ++s) mm = fmaxf(mm, parts[s * (D + 2)]);
  float ll = 0.0f;
  float a = 0.0f;
  for (int s = 0; s < splits; ++s) {
    const float w = parts[s * (D + 2)] == -INFINITY ? 0.0f : __expf(parts[s * (D + 2)] - mm);
    ll += parts[s * (D + 2) + 1] * w;
    a += parts[s * (D + 2) + 2 + e] * w;
  }
  o[static_cast<long long>(bh) * D + e] = from_float<T>(ll > 0.0f ? a / ll : 0.0f);
}

template <class T, int D>
void launch(const DecodeShape& s, int splits, const void* q, const void* k, const void* v, const std::int32_t* table,
            float* scratch, void* o) {
  const dim3 grid(static_cast<unsigned>(s.batch * s.kv_heads), static_cast<unsigned>(splits));
  decode_partial<T, D><<<grid, kWarps * 32>>>(static_cast<const T*>(q), static_cast<const T*>(k),
                                               static_cast<const T*>(v), table, scratch, s.heads, s.kv_heads,
                                               s.context, blocks_per_sequence(s), splits, 1.0f / std::sqrt(float(D)));
  ORRERY_CUDA_CHECK(cudaGetLastError());
  decode_combine<T, D><<<static_cast<unsigned>(s.batch * s.heads), D>>>(scratch, static_cast<T*>(o), splits);
  ORRERY_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

std::size_t decode_scratch_floats(const DecodeShape& s, int splits) {
  return static_cast<std::size_t>(s.batch) * s.heads * splits * (s.head_dim + 2);
}

int decode_splits(const DecodeShape& s, int sms) {
  // Enough thread blocks for two waves of the GPU, chunks of at least 256 tokens.
  const int ctas = s.batch * s.kv_heads;
  const int want = (2 * sms + ctas - 1) / ctas;
  const int most = (s.context + 255) / 256;
  return want < 1 ? 1 : (want > most ? (most < 1 ? 1 : most) : want);
}

void decode_attention(Dtype dtype, const DecodeShape& s, int splits, const void* q, const void* k_cache,
                      const void* v_cache, const std::int32_t* block_table, float* scratch, void* o) {
  if (s.kv_heads < 1 || s.heads % s.kv_heads != 0 || s.heads / s.kv_heads > kMaxGroup) {
    throw std::invalid_argument("decode_attention: heads must be 1 to 8 times kv_heads");
  }
  const bool bf16 = dtype == Dtype::kBf16;
  if (!bf16 && dtype != Dtype::kFp16) throw std::invalid_argument("decode_attention: bf16 or fp16 only");
  if (s.head_dim == 128) {
    bf16 ? launch<__nv_bfloat16, 128>(s, splits, q, k_cache, v_cache, block_table, scratch, o)
         : launch<__half, 128>(s, splits, q, k_cache, v_cache, block_table, scratch, o);
  } else if (s.head_dim == 64) {
    bf16 ? launch<__nv_bfloat16, 64>(s, splits, q, k_cache, v_cache, block_table, scratch, o)
         : launch<__half, 64>(s, splits, q, k_cache, v_cache, block_table, scratch, o);
  } else {
    throw std::invalid_argument("decode_attention: head_dim 64 or 128 only, got " + std::to_string(s.head_dim));
  }
}

}  // namespace orrery::models::calibration
