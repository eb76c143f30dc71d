#include "workloads/weight_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/task/spmm_padding.hpp"

namespace orrery::workload {

namespace {

const std::vector<std::string> kWeightTypes{"bf16", "fp16", "fp8", "int8", "int4", "int3", "int2"};

DType weight_type(const std::string& s) {
  for (int i = 0; i < task::kDTypeCount; ++i)
    if (task::name_of(static_cast<DType>(i)) == s) return static_cast<DType>(i);
  return DType::kBf16;
}

// The sparse operand's type: the integer kernels (Magicube) multiply int8 and
// int4 fragments; narrower weights are unpacked to int4; 16-bit and fp8
// weights run FlashSparse's fp16 path at the activations' type.
DType sparse_type(DType weights, DType activations) {
  switch (weights) {
    case DType::kInt8:
      return DType::kInt8;
    case DType::kInt4:
    case DType::kInt3:
    case DType::kInt2:
      return DType::kInt4;
    default:
      return activations;
  }
}

}  // namespace

WeightFormat WeightFormat::read(config::Reader& r, std::int64_t model_layers, DType dense) {
  WeightFormat f;
  const bool d = r.describing();
  const std::string one = r.choice("dtype", kWeightTypes, std::string(task::name_of(dense)),
                                   "every layer's GEMM weights (default: the workload's dtype); int3 and int2 are "
                                   "BitDistiller's sub-4-bit weights, dequantized on the fly");
  const auto list = r.maybe<std::vector<std::string>>(
      "layers", "one weight type per transformer layer (OHQ-style mixed precision), instead of dtype");
  f.group_size = r.optional<std::int64_t>("group_size", 128, "weights sharing one fp16 scale (0: one per tensor)");
  r.section("ffn_sparsity", "sparse feed-forward layers: the MLP's up and down projections as SpMM", false,
            [&](config::Reader& s) {
              const std::vector<std::string> patterns{"2:4", "dense", "unstructured"};
              const std::string p = s.choice("pattern", patterns, "dense",
                                             "dense; unstructured (at `density`, covered by blocks); 2:4 (sparse "
                                             "tensor cores, density 1/2)");
              f.ffn = p == "2:4" ? FfnSparsity::kTwoFour : p == "unstructured" ? FfnSparsity::kUnstructured
                                                                                : FfnSparsity::kDense;
              f.density = s.optional<double>("density", 1.0, "unstructured: the share of weights kept");
              const auto block = s.maybe<std::vector<std::int64_t>>(
                  "block", "unstructured: [rows, cols] of the kernel's dense blocks (default: FlashSparse's 8 × 1 "
                           "for 16-bit weights, Magicube's 16 × 8 int8 and 8 × 8 int4)");
              if (s.describing()) return;
              s.check(f.ffn != FfnSparsity::kUnstructured || (f.density > 0 && f.density <= 1), "density",
                      fmt::format("must be in (0, 1], got {}", f.density));
              s.check(f.ffn == FfnSparsity::kUnstructured || !s.has("density"), "density",
                      "is only used by pattern: unstructured");
              if (block) {
                s.check(f.ffn == FfnSparsity::kUnstructured, "block", "is only used by pattern: unstructured");
                s.check(block->size() == 2 && (*block)[0] >= 1 && (*block)[1] >= 1 && (*block)[0] <= 1024 &&
                            (*block)[1] <= 1024,
                        "block", "must be [rows, cols], each in [1, 1024]");
                f.block_rows = (*block)[0];
                f.block_cols = (*block)[1];
              }
            });
  if (d) return f;
  r.check(f.group_size >= 0, "group_size", "must not be negative");
  if (list) {
    r.check(!r.has("dtype"), "layers", "give dtype or layers, not both");
    r.check(static_cast<std::int64_t>(list->size()) == model_layers, "layers",
            fmt::format("has {} types; the model has {} layers", list->size(), model_layers));
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& t = (*list)[i];
      r.check(std::find(kWeightTypes.begin(), kWeightTypes.end(), t) != kWeightTypes.end(), "layers",
              fmt::format("element {}: unknown weight type '{}'; valid: bf16, fp16, fp8, int8, int4, int3, int2", i, t));
      f.layers.push_back(weight_type(t));
    }
  } else if (weight_type(one) != dense) {
    f.layers.assign(static_cast<std::size_t>(model_layers), weight_type(one));
  }
  return f;
}

DType WeightFormat::type(std::int64_t layer, DType dense) const {
  return layers.empty() ? dense : layers[static_cast<std::size_t>(layer)];
}

LayerKind WeightFormat::kind(const training::TransformerSpec& m, std::int64_t layer, DType dense) const {
  return LayerKind{type(layer, dense), m.moe_layer(layer)};
}

std::vector<LayerKind> WeightFormat::kinds(const training::TransformerSpec& m, DType dense) const {
  std::vector<LayerKind> out;
  for (std::int64_t i = 0; i < m.layers; ++i) {
    const LayerKind k = kind(m, i, dense);
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

Operation WeightFormat::gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, DType weights,
                             DType activations) const {
  if (weights == activations) return Gemm{m, n, k, batch, weights};
  task::QuantGemm q;
  q.m = m;
  q.n = n;
  q.k = k;
  q.weights.assign(static_cast<std::size_t>(batch), weights);
  q.activations = activations;
  q.group_size = group_size;
  return q;
}

Operation WeightFormat::ffn_gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, DType weights,
                                 DType activations) const {
  if (ffn == FfnSparsity::kDense || batch != 1) return gemm(m, n, k, batch, weights, activations);
  // y = x·W as (Wᵀ)(xᵀ): the sparse operand is Wᵀ, n × k; the dense one xᵀ, k × m.
  task::Spmm s;
  s.rows = n;
  s.cols = k;
  s.n = m;
  s.dtype = sparse_type(weights, activations);
  s.two_four = ffn == FfnSparsity::kTwoFour;
  s.nnz = s.two_four ? n * k / 2 : std::max<std::int64_t>(1, std::llround(density * static_cast<double>(n) * static_cast<double>(k)));
  s.block_rows = block_rows;
  s.block_cols = block_cols;
  return s;
}

double WeightFormat::bytes(double count, std::int64_t n, std::int64_t k, DType weights, DType activations,
                           bool sparse_ffn) const {
  const double scales = weights != activations && group_size > 0 ? 2.0 / static_cast<double>(group_size) : 0;
  if (!sparse_ffn || ffn == FfnSparsity::kDense) return count * (task::bytes_per_element(weights) + scales);
  // Per weight of the dense matrix: the stored values (padded blocks) and
  // their indices (4 B per block; 2 bits per nonzero for 2:4).
  task::Spmm s;
  s.rows = n;
  s.cols = k;
  s.dtype = sparse_type(weights, activations);
  s.block_rows = block_rows;
  s.block_cols = block_cols;
  const double cells = static_cast<double>(n) * static_cast<double>(k);
  double per_weight = 0;
  if (ffn == FfnSparsity::kTwoFour) {
    per_weight = 0.5 * (task::bytes_per_element(weights) + scales) + 0.5 / 4;
  } else {
    s.nnz = std::max<std::int64_t>(1, std::llround(density * cells));
    const double blocks = task::nonempty_blocks(s);
    per_weight = (task::padded_from_blocks(s, blocks) * (task::bytes_per_element(weights) + scales) + blocks * 4) / cells;
  }
  return count * per_weight;
}

double WeightFormat::layer_bytes(const training::TransformerSpec& m, bool routed, int tp, DType weights, DType dense,
                                 DType activations) const {
  // The feed-forward's matrices: one MLP of ffn_hidden, or the routed and shared experts of expert_ffn().
  const std::int64_t width = routed ? m.expert_ffn() : m.ffn_hidden;
  const double mlps = routed ? static_cast<double>(m.experts + m.shared_experts) : 1.0;
  const double ffn_weights =
      (m.gated() ? 3.0 : 2.0) * static_cast<double>(m.hidden) * static_cast<double>(width) * mlps / tp;
  const double rest = m.layer_parameters(routed) / tp - ffn_weights;
  const auto store = [&](double count, std::int64_t n, std::int64_t k, bool sparse) {
    return weights == dense && (!sparse || ffn == FfnSparsity::kDense)
               ? count * task::bytes_per_element(dense)
               : bytes(count, n, k, weights, activations, sparse);
  };
  return store(rest, m.hidden, m.hidden, false) + store(ffn_weights, width / tp, m.hidden, true);
}

}  // namespace orrery::workload
