// FlashAttention-style forward kernel (Dao et al., FlashAttention-2, 2023),
// written plainly for calibration. A block of 4 warps owns 64 query rows
// (16 per warp) and walks the keys in tiles of 64:
//   S = Q K^T (WMMA 16x16x16 tensor-core tiles, fp32 accumulate) -> shared memory,
//   online softmax per row, in base 2 (x' = x log2(e)/sqrt(d)):
//     m' = max(m, max_j S_j),  P_j = 2^(S_j - m'),  l' = l 2^(m - m') + sum_j P_j,
//     O  = O 2^(m - m')   (O lives in shared memory as fp32),
//   O += P V (WMMA, P rounded to the input type as FlashAttention does),
// and writes O / l at the end. Causal blocks stop at the diagonal tile and mask
// inside it; blocks with the most work start first. Two lanes share a row in
// the softmax, interleaving columns to halve shared-memory bank conflicts.
// It does not use Hopper's wgmma or TMA, so on an H100 it runs well below
// FlashAttention-3; the README says how to read its rows.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include <string>

#include "models/calibration/cuda/cuda_check.hpp"
#include "models/calibration/cuda/flash_attention.hpp"

namespace orrery::models::calibration {

namespace {

namespace wmma = nvcuda::wmma;

constexpr int kBr = 64;  // query rows per block
constexpr int kBc = 64;  // keys per tile
constexpr int kWarps = kBr / 16;
constexpr int kThreads = kWarps * 32;

// Shared-memory layout; row strides are padded (by 16 bytes) against bank conflicts
// while keeping every 16-row WMMA tile 32-byte aligned.
template <class T, int D>
struct Layout {
  static constexpr int kLdT = D + 8;    // Q, K, V rows, in T
  static constexpr int kLdS = kBc + 4;  // S rows, in float
  static constexpr int kLdP = kBc + 8;  // P rows, in T
  static constexpr int kLdO = D + 4;    // O rows, in float
  static constexpr int align(int bytes) { return (bytes + 127) / 128 * 128; }
  static constexpr int kQ = 0;
  static constexpr int kK = kQ + align(kBr * kLdT * static_cast<int>(sizeof(T)));
  static constexpr int kV = kK + align(kBc * kLdT * static_cast<int>(sizeof(T)));
  static constexpr int kS = kV + align(kBc * kLdT * static_cast<int>(sizeof(T)));
  static constexpr int kP = kS + align(kBr * kLdS * static_cast<int>(sizeof(float)));
  static constexpr int kO = kP + align(kBr * kLdP * static_cast<int>(sizeof(T)));
  static constexpr int kBytes = kO + align(kBr * kLdO * static_cast<int>(sizeof(float)));
};

template <class T>
struct Args {
  const T* q;
  const T* k;
  const T* v;
  T* o;
  int heads;
  int kv_heads;
  int seq;
  float scale_log2;  // log2(e) / sqrt(head_dim)
  bool causal;
};

template <class T>
__device__ inline T from_float(float x) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(x);
  } else {
    return __float2bfloat16_rn(x);
  }
}

// Rows [row0, row0 + 64) of a [seq][D] matrix into shared memory, zeros past `seq`.
template <class T, int D>
__device__ inline void load_rows(T* dst, const T* src, int row0, int seq) {
  constexpr int kChunks = D / 8;  // 16-byte chunks per row
  for (int i = threadIdx.x; i < kBr * kChunks; i += kThreads) {
    const int r = i / kChunks;
    const int c = i % kChunks;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row0 + r < seq)
      v = *reinterpret_cast<const uint4*>(src + static_cast<long long>(row0 + r) * D + c * 8);
    *reinterpret_cast<uint4*>(dst + r * Layout<T, D>::kLdT + c * 8) = v;
  }
}

template <class T, int D>
__global__ void __launch_bounds__(kThreads) flash_attention_kernel(Args<T> a) {
  using L = Layout<T, D>;
  extern __shared__ __align__(128) unsigned char smem[];
  T* qs = reinterpret_cast<T*>(smem + L::kQ);
  T* ks = reinterpret_cast<T*>(smem + L::kK);
  T* vs = reinterpret_cast<T*>(smem + L::kV);
  float* ss = reinterpret_cast<float*>(smem + L::kS);
  T* ps = reinterpret_cast<T*>(smem + L::kP);
  float* os = reinterpret_cast<float*>(smem + L::kO);

  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int q_block = a.causal ? static_cast<int>(gridDim.x) - 1 - static_cast<int>(blockIdx.x) : blockIdx.x;
  const int bh = blockIdx.y;  // batch * heads + head
  const int kv_bh = (bh / a.heads) * a.kv_heads + (bh % a.heads) / (a.heads / a.kv_heads);
  const int q0 = q_block * kBr;
  const T* q = a.q + static_cast<long long>(bh) * a.seq * D;
  const T* k = a.k + static_cast<long long>(kv_bh) * a.seq * D;
  const T* v = a.v + static_cast<long long>(kv_bh) * a.seq * D;

  load_rows<T, D>(qs, q, q0, a.seq);
  for (int i = threadIdx.x; i < kBr * L::kLdO; i += kThreads) os[i] = 0.0f;

  // Softmax state of one row, held by the two lanes that share it.
  const int row = warp * 16 + lane / 2;
  const int half = lane % 2;
  const int qi = q0 + row;
  float m = -INFINITY;
  float l = 0.0f;

  const int kv_end = a.causal ? min(a.seq, q0 + kBr) : a.seq;
  for (int kv0 = 0; kv0 < kv_end; kv0 += kBc) {
    __syncthreads();  // everyone is done with the previous K and V tiles
    load_rows<T, D>(ks, k, kv0, a.seq);
    load_rows<T, D>(vs, v, kv0, a.seq);
    __syncthreads();

    for (int j = 0; j < kBc / 16; ++j) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> s;
      wmma::fill_fragment(s, 0.0f);
      for (int kk = 0; kk < D; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> qf;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> kf;  // K^T
        wmma::load_matrix_sync(qf, qs + warp * 16 * L::kLdT + kk, L::kLdT);
        wmma::load_matrix_sync(kf, ks + j * 16 * L::kLdT + kk, L::kLdT);
        wmma::mma_sync(s, qf, kf, s);
      }
      wmma::store_matrix_sync(ss + warp * 16 * L::kLdS + j * 16, s, L::kLdS, wmma::mem_row_major);
    }
    __syncwarp();

    float* srow = ss + row * L::kLdS;
    float tile_max = -INFINITY;
    for (int c = half; c < kBc; c += 2) {
      const int kj = kv0 + c;
      const bool masked = kj >= a.seq || (a.causal && kj > qi);
      const float x = masked ? -INFINITY : srow[c] * a.scale_log2;
      srow[c] = x;
      tile_max = fmaxf(tile_max, x);
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
    const float m_new = fmaxf(m, tile_max);
    // A row whose keys are all masked so far keeps m = -inf; 0 as reference gives P = 0, not NaN.
    const float ref = m_new == -INFINITY ? 0.0f : m_new;
    T* prow = ps + row * L::kLdP;
    float sum = 0.0f;
    for (int c = half; c < kBc; c += 2) {
      const float p = exp2f(srow[c] - ref);
      prow[c] = from_float<T>(p);
      sum += p;
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    const float alpha = exp2f(m - ref);
    l = l * alpha + sum;
    m = m_new;
    float* orow = os + row * L::kLdO;
    for (int c = half; c < D; c += 2) orow[c] *= alpha;
    __syncwarp();

    for (int j = 0; j < D / 16; ++j) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> o;
      wmma::load_matrix_sync(o, os + warp * 16 * L::kLdO + j * 16, L::kLdO, wmma::mem_row_major);
      for (int kk = 0; kk < kBc; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> pf;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> vf;
        wmma::load_matrix_sync(pf, ps + warp * 16 * L::kLdP + kk, L::kLdP);
        wmma::load_matrix_sync(vf, vs + kk * L::kLdT + j * 16, L::kLdT);
        wmma::mma_sync(o, pf, vf, o);
      }
      wmma::store_matrix_sync(os + warp * 16 * L::kLdO + j * 16, o, L::kLdO, wmma::mem_row_major);
    }
    __syncwarp();
  }

  if (qi < a.seq) {
    const float inv = l > 0.0f ? 1.0f / l : 0.0f;
    const float* orow = os + row * L::kLdO;
    T* out = a.o + (static_cast<long long>(bh) * a.seq + qi) * D;
    for (int c = half; c < D; c += 2) out[c] = from_float<T>(orow[c] * inv);
  }
}

template <class T, int D>
void prepare() {
  ORRERY_CUDA_CHECK(cudaFuncSetAttribute(flash_attention_kernel<T, D>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, Layout<T, D>::kBytes));
}

template <class T, int D>
void launch(const AttentionShape& s, const void* q, const void* k, const void* v, void* o) {
  const Args<T> args{static_cast<const T*>(q),
                     static_cast<const T*>(k),
                     static_cast<const T*>(v),
                     static_cast<T*>(o),
                     s.heads,
                     s.kv_heads,
                     s.seq,
                     1.4426950408889634f / sqrtf(static_cast<float>(D)),
                     s.causal};
  const dim3 grid((s.seq + kBr - 1) / kBr, s.batch * s.heads);
  flash_attention_kernel<T, D><<<grid, kThreads, Layout<T, D>::kBytes>>>(args);
}

template <class T>
void launch_typed(const AttentionShape& s, const void* q, const void* k, const void* v, void* o) {
  switch (s.head_dim) {
    case 64:
      return launch<T, 64>(s, q, k, v, o);
    case 128:
      return launch<T, 128>(s, q, k, v, o);
    default:
      throw CalibrationError("flash_attention: head_dim " + std::to_string(s.head_dim) +
                             " not built (64, 128)");
  }
}

}  // namespace

void prepare_flash_attention() {
  prepare<__half, 64>();
  prepare<__half, 128>();
  prepare<__nv_bfloat16, 64>();
  prepare<__nv_bfloat16, 128>();
}

void flash_attention(Dtype dtype, const AttentionShape& shape, const void* q, const void* k, const void* v,
                     void* o) {
  if (shape.kv_heads <= 0 || shape.heads % shape.kv_heads != 0) {
    throw CalibrationError("flash_attention: kv_heads must divide heads");
  }
  switch (dtype) {
    case Dtype::kFp16:
      return launch_typed<__half>(shape, q, k, v, o);
    case Dtype::kBf16:
      return launch_typed<__nv_bfloat16>(shape, q, k, v, o);
    default:
      throw CalibrationError("flash_attention: only fp16 and bf16 are built");
  }
}

}  // namespace orrery::models::calibration
