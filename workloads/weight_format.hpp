// How a model's layer weights are stored, for the workloads that run
// transformer layers (serving; the keys under `weights:`):
//
//   * quantized weights, one type for every layer (`dtype`) or one per layer
//     (`layers`, OHQ's per-layer bit-widths, Fu et al. 2023): int8, int4, and
//     the 3- and 2-bit weights BitDistiller trains (Du et al. 2024), with an
//     fp16 scale per `group_size` weights. A GEMM whose weights are not of its
//     activations' type dequantizes them on the fly (task::QuantGemm: W4A16
//     kernels); int8 weights with int8 activations run at the int8 peak.
//   * sparse feed-forward layers (`ffn_sparsity`): the MLP's up and down
//     projections as SpMM, unstructured at a `density` (FlashSparse's 8 × 1
//     blocks for 16-bit weights, Magicube's 16 × 8 and 8 × 8 for int8 and
//     int4, or a given `block`), or 2:4 on the sparse tensor cores; priced
//     from the `spmm` calibration rows where the device's table has them.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/config/reader.hpp"
#include "workloads/training/transformer.hpp"
#include "workloads/vocabulary.hpp"

namespace orrery::workload {

// What makes one transformer layer cost what another does: its weights' type,
// and whether its feed-forward routes tokens to experts (TransformerSpec::moe_layer).
struct LayerKind {
  DType type;
  bool routed;
  bool operator==(const LayerKind&) const = default;
};

struct WeightFormat {
  enum class FfnSparsity : std::uint8_t { kDense, kUnstructured, kTwoFour };

  std::vector<DType> layers;  // one per layer; empty: every layer in the workload's dtype
  std::int64_t group_size = 128;
  FfnSparsity ffn = FfnSparsity::kDense;
  double density = 1;
  std::int64_t block_rows = 0, block_cols = 0;

  // Reads the `weights:` section's keys (or documents them); `model_layers`
  // checks the length of a per-layer list; `dense` is the workload's dtype.
  static WeightFormat read(config::Reader& r, std::int64_t model_layers, DType dense);

  // The weight type of layer `layer`.
  [[nodiscard]] DType type(std::int64_t layer, DType dense) const;
  // Layer `layer`'s kind, and the model's distinct kinds in first-seen order.
  [[nodiscard]] LayerKind kind(const training::TransformerSpec& m, std::int64_t layer, DType dense) const;
  [[nodiscard]] std::vector<LayerKind> kinds(const training::TransformerSpec& m, DType dense) const;

  // y = x·W for x of m rows (k wide) and W of k × n in `weights`, `batch`
  // independent such products (experts): a Gemm, or a QuantGemm of `batch`
  // layers when the weights are not of the activations' type.
  [[nodiscard]] Operation gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, DType weights,
                               DType activations) const;
  // The same for a feed-forward projection, sparse when ffn_sparsity says so.
  [[nodiscard]] Operation ffn_gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                                   DType weights, DType activations) const;
  // Bytes that hold `count` weights of a k × n matrix in `weights` (scales
  // included), sparse when `ffn` and ffn_sparsity say so.
  [[nodiscard]] double bytes(double count, std::int64_t n, std::int64_t k, DType weights, DType activations,
                             bool ffn) const;
  // Bytes one of `tp` ranks holds of a layer of `m` whose GEMM weights are of
  // type `weights` (`dense`: the workload's type, stored plainly): the
  // feed-forward projections (sparse when asked; a `routed` layer's experts,
  // else its dense MLP) and the rest (attention, router, norms) in that type.
  [[nodiscard]] double layer_bytes(const training::TransformerSpec& m, bool routed, int tp, DType weights, DType dense,
                                   DType activations) const;
};

}  // namespace orrery::workload
