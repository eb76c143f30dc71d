// The operations a compute task performs, as pure data that knows nothing of
// any device: shapes, element types and the work they imply (FLOPs, the bytes
// an ideal kernel moves). models/compute prices them on a device; workloads
// lower layers into them. Counting conventions, per operation:
//
//   Gemm            2·b·m·n·k FLOPs; reads A (m×k) and B (k×n), writes C (m×n), once each.
//   Attention       4·b·h·s²·d FLOPs (QKᵀ and PV), halved when causal; Q, O: b·h·s·d
//                   elements, K, V: b·h_kv·s·d elements (FlashAttention never stores S).
//   Elementwise     `bytes` moved, `flops_per_byte` × bytes FLOPs (norm, softmax alike).
//   Embedding       gathers tokens·hidden elements and writes them (the table is not streamed).
//   VocabProjection the GEMM tokens × vocab × hidden.
//   OptimizerStep   reads and writes bytes per parameter (mixed-precision Adam: see below).
//   HashGridEncoding points · levels · corners lookups of `features` fp16 values.
//   NeuralField     the encoding's work plus its MLPs'.
//   TinyMlp         2·points·(in·w + (depth−1)·w² + w·out) FLOPs (fully fused: weights on chip).
//   Spmm / Sddmm    2·nnz_padded·n FLOPs, where nnz_padded counts the zeros that the
//                   tensor-core granularity forces the hardware to compute (see spmm_padding).
//   QuantGemm       per layer a GEMM whose weights are stored at `weights[i]`; weight-only
//                   quantization dequantizes on the fly (extra vector FLOPs, see quant_gemm).
//   IvfPqSearch     the sum of Faiss-GPU's kernels for it (ivfpq_kernels.hpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <optional>
#include <variant>
#include <vector>

#include "sim/task/ivfpq_search.hpp"

namespace orrery::task {

// Element types, in the order device files list their peak rates. int3 and
// int2 are storage types of quantized weights only (BitDistiller's 3- and
// 2-bit weights, Du et al. 2024): no tensor core multiplies them, so a GEMM
// dequantizes them to its activations' type (QuantGemm) and no device file
// gives them a peak.
enum class DType : std::uint8_t { kFp64, kFp32, kTf32, kBf16, kFp16, kFp8, kInt8, kInt4, kInt3, kInt2 };
inline constexpr int kDTypeCount = 10;
[[nodiscard]] std::string_view name_of(DType t);
// Storage size of one element (tf32 is stored as fp32; int4 packs two per byte).
[[nodiscard]] double bytes_per_element(DType t);

// C (m × n) = A (m × k) · B (k × n), `batch` times. C is written in `dtype`,
// or, when `accumulate` names a type, the product is added into a C of that
// type (beta = 1), which is read and written: Megatron-LM's fused gradient
// accumulation, where the weight-gradient GEMM adds into the fp32 main
// gradient.
struct Gemm {
  Gemm() = default;
  Gemm(std::int64_t m_, std::int64_t n_, std::int64_t k_, std::int64_t batch_ = 1, DType dtype_ = DType::kBf16,
       std::optional<DType> accumulate_ = std::nullopt)
      : m(m_), n(n_), k(k_), batch(batch_), dtype(dtype_), accumulate(accumulate_) {}
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  DType dtype = DType::kBf16;
  std::optional<DType> accumulate;
};

// Fused attention (FlashAttention, cuDNN). The backward pass computes dQ, dK
// and dV from dO: five matrix products to the forward's two (S = QKᵀ again,
// dP, dS·K, dSᵀ·Q, Pᵀ·dO), and dQ, dK, dV, dO beside Q, K, V, O — its work is
// kAttentionBackwardFlops × the forward's FLOPs and kAttentionBackwardBytes ×
// its bytes.
struct Attention {
  std::int64_t batch = 1, heads = 0, kv_heads = 0, seq = 0, head_dim = 0;
  bool causal = false;
  DType dtype = DType::kBf16;
  bool backward = false;
};
inline constexpr double kAttentionBackwardFlops = 2.5;
inline constexpr double kAttentionBackwardBytes = 2.0;

// Attention of a few new tokens per sequence over a KV cache (serving): the
// `queries` newest tokens of each of `batch` sequences attend to all
// `context` tokens of it (the new ones included, causal among themselves). A
// decode step is queries = 1; a chunk of a chunked prefill (Sarathi) is
// queries = the chunk, context = the tokens before it plus the chunk. Per
// sequence: 4·heads·head_dim·queries·(context − (queries − 1)/2) FLOPs; it
// reads K and V of the whole context and Q, writes O:
// (2·kv_heads·context + 2·heads·queries)·head_dim elements.
struct CachedAttention {
  std::int64_t batch = 1, heads = 0, kv_heads = 0, head_dim = 0, queries = 1, context = 0;
  DType dtype = DType::kBf16;
};
// Queries per sequence from which attention over a KV cache is compute-bound
// (priced as the fused forward): at 64 queries a head's tile is as wide as
// FlashAttention-2's smallest query block (Dao 2023, §3.3: blocks of 64-128 rows).
inline constexpr std::int64_t kCachedAttentionComputeQueries = 64;

enum class PointwiseKind : std::uint8_t { kElementwise, kNorm, kSoftmax };
[[nodiscard]] std::string_view name_of(PointwiseKind k);

// Memory-bound kernels described by the bytes they move (reads plus writes).
struct Elementwise {
  PointwiseKind kind = PointwiseKind::kElementwise;
  std::int64_t bytes = 0;
  double flops_per_byte = 0;
};

struct Embedding {
  std::int64_t tokens = 0, hidden = 0, vocab = 0;
  DType dtype = DType::kBf16;
};

struct VocabProjection {
  std::int64_t tokens = 0, hidden = 0, vocab = 0;
  DType dtype = DType::kBf16;
};

// Mixed-precision Adam (ZeRO's K = 12 bytes of optimizer state per parameter):
// reads fp32 master weight, momentum, variance (12 B) and the gradient (4 B);
// writes the three states (12 B) and the bf16 copy of the weight (2 B). FLOPs:
// m ← β₁m + (1−β₁)g (3), v ← β₂v + (1−β₂)g² (4), p ← p − η·m/(√v + ε) (5) = 12.
struct OptimizerStep {
  std::int64_t parameters = 0;
  double bytes_read_per_parameter = 16;
  double bytes_written_per_parameter = 14;
  double flops_per_parameter = 12;
};

// Multi-resolution grid encodings of neural graphics primitives: each point
// reads `corners` vertices of its cell at every level, `features` fp16 values
// per entry, and interpolates them.
//   hash    Müller et al. 2022 (instant-ngp): the 2^dims corners of the cell
//           of a grid of resolution base·scale^l, hashed into a table of at most
//           2^log2_table entries (a coarse level whose grid has fewer vertices
//           indexes it densely and holds only those).
//   dense   the same grids, stored whole: (res_l + 1)^dims entries per level.
//   simplex Wen et al. 2023 ("Efficient Encoding of Graphics Primitives with
//           Simplex-based Structures"): the dims + 1 vertices of the point's
//           simplex, hashed as `hash`; finding the simplex sorts the dims
//           skewed coordinates (dims·(dims−1)/2 compare-swaps).
// base_resolution 0 prices every level at the full 2^log2_table entries (an
// upper bound), as the encoding was priced before per-level sizes.
enum class GridEncoding : std::uint8_t { kHash, kDense, kSimplex };
[[nodiscard]] std::string_view name_of(GridEncoding e);
struct HashGridEncoding {
  std::int64_t levels = 16, features = 2, log2_table = 19, points = 0, dims = 3;
  GridEncoding encoding = GridEncoding::kHash;
  std::int64_t base_resolution = 0;  // coarsest grid's resolution; 0: every level at 2^log2_table entries
  double per_level_scale = 2.0;      // b: level l has resolution ⌊base·b^l⌋
};
// Vertices a point reads per level: 2^dims, or dims + 1 for a simplex.
[[nodiscard]] std::int64_t corners_of(const HashGridEncoding& h);
// Entries of level l's table.
[[nodiscard]] double level_entries(const HashGridEncoding& h, std::int64_t level);
// instant-ngp's growth per level from `base` to `finest` over `levels` levels
// (testbed.cu): b = exp(ln(finest / base) / (levels − 1)), 1 for one level,
// and never below 1.
[[nodiscard]] double per_level_scale(double base, double finest, std::int64_t levels);

// A fully fused tiny MLP (tiny-cuda-nn style), fp16: `depth` hidden layers of `width`.
struct TinyMlp {
  std::int64_t width = 64, depth = 2, points = 0, inputs = 32, outputs = 16;
};
// Its weight matrices: the input's, the depth − 1 between hidden layers, the output's.
[[nodiscard]] inline std::int64_t weight_layers(const TinyMlp& m) { return m.depth + 1; }

// A neural field queried at `encoding.points` points: the grid encoding, then
// the MLPs in order on every point (NeRF: a density MLP, then a colour MLP fed
// by its output and the view direction). A GPU runs them as separate kernels
// (tiny-cuda-nn); a neural-graphics cluster fuses the encoding into the MLP
// engines (models/compute/ngpc.hpp). Each MLP's `points` is the encoding's.
struct NeuralField {
  HashGridEncoding encoding;
  std::vector<TinyMlp> mlps;
};

// Sparse × dense: a rows × cols sparse matrix with nnz nonzeros times a dense
// cols × n matrix (SpMM), or the dense product sampled at the sparsity of a
// rows × cols pattern with inner dimension n (SDDMM). The hardware computes
// whole blocks of block_rows × block_cols; 0 means the default granularity of
// the dtype (see spmm_padding.hpp).
// two_four: NVIDIA's 2:4 structured sparsity (two nonzeros in every four
// along a row, sparse tensor cores since Ampere; Mishra et al. 2021,
// "Accelerating Sparse Deep Neural Networks"): nnz is rows·cols/2 whatever
// is given, the tensor core skips the zeros (2·nnz·n FLOPs, twice the dense
// rate per useful FLOP), and each nonzero carries a 2-bit position.
struct SparseShape {
  std::int64_t rows = 0, cols = 0, nnz = 0, n = 0;
  DType dtype = DType::kFp16;
  std::int64_t block_rows = 0, block_cols = 0;
  bool two_four = false;
};
struct Spmm : SparseShape {};
struct Sddmm : SparseShape {};

// A stack of GEMM layers of one shape whose weights are quantized, each layer
// at its own precision (OHQ's per-layer bit-widths): `weights` has one entry per
// layer. Activations in `activations`; a layer whose weight type differs from
// the activation type dequantizes its weights on the fly.
struct QuantGemm {
  std::int64_t m = 0, n = 0, k = 0;
  std::vector<DType> weights{DType::kInt8};
  DType activations = DType::kBf16;
  std::int64_t group_size = 128;  // weights sharing one fp16 scale
};

// A memory-bound layer kernel as an eager framework launches it, one kernel
// per op (PyTorch's LayerNorm, GELU, residual add, cross entropy over fp32
// logits...): priced by a calibration table's `layer` rows of the same kernel,
// pass and dtype, interpolated over tokens × width. Its work is the minimal
// bytes of layer_bytes.hpp; measured kernels move more (LayerNorm's backward
// takes 4–6 times its forward on an H200), which is what the rows capture.
enum class LayerKernel : std::uint8_t {
  kLayerNorm, kRmsNorm, kGeluTanh, kSwiGlu, kAdd, kCrossEntropy, kEmbedding, kAdam
};
inline constexpr int kLayerKernelCount = 8;
[[nodiscard]] std::string_view name_of(LayerKernel k);
struct LayerOp {
  LayerKernel kernel = LayerKernel::kAdd;
  bool backward = false;
  DType dtype = DType::kBf16;
  std::int64_t tokens = 0;  // rows (for adam: rows of the parameter tensor)
  std::int64_t width = 0;   // columns: hidden size, ffn width for GELU, vocabulary for the loss
};

using Operation = std::variant<Gemm, Attention, Elementwise, Embedding, VocabProjection, OptimizerStep,
                               HashGridEncoding, TinyMlp, Spmm, Sddmm, QuantGemm, LayerOp, CachedAttention,
                               NeuralField, IvfPqSearch>;

// The operation's kind, as `orrery cost` names it ("gemm", "attention", ...).
[[nodiscard]] std::string_view name_of(const Operation& op);

// The work an ideal kernel does: FLOPs and bytes moved to or from device memory.
struct OperationWork {
  double flops = 0;
  double bytes = 0;
};
[[nodiscard]] OperationWork work_of(const Operation& op);

}  // namespace orrery::task
