// Quantization-aware and sparse training (training.weights): the forward and
// input-gradient GEMMs read the weights in their stored format (QuantGemm,
// SpMM; Y = X·W gives dX = dY·Wᵀ through the same weights), the weight
// gradient stays dense in the training precision or, for a sparse
// projection, is sampled at the pattern (SDDMM, nnz = k·n/2 for 2:4); a
// per-layer list makes each stage's cost the sum of its layers by type.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/scenario_support.hpp"
#include "workloads/training/training.hpp"
#include "workloads/training/training_layer_ops.hpp"

namespace orrery::training_weights_test {
namespace {

namespace tr = workload::training;
using task::DType;
using workload::WeightFormat;

tr::TrainingParams gpt() {
  tr::TrainingParams p;
  p.model.layers = 4;
  p.model.hidden = 1024;
  p.model.heads = 16;
  p.model.kv_heads = 16;
  p.model.ffn_hidden = 4096;
  p.model.vocab = 51200;
  p.model.seq_len = 2048;
  p.micro_batch = 2;
  return p;
}

template <class T>
std::vector<T> all(const std::vector<task::Operation>& ops) {
  std::vector<T> out;
  for (const auto& op : ops)
    if (const auto* x = std::get_if<T>(&op)) out.push_back(*x);
  return out;
}

TEST(TrainingWeights, QuantizedLayersReadTheirWeightsForwardAndBackward) {
  tr::TrainingParams p = gpt();
  const tr::LayerOps dense = tr::layer_ops(p);
  const tr::LayerOps q = tr::layer_ops(p, DType::kInt4, false);
  // Forward: QKV, output projection, FC1, FC2 dequantize int4 weights; the
  // attention core's matmuls are activations only.
  const auto fq = all<task::QuantGemm>(q.f.ops);
  ASSERT_EQ(fq.size(), 4u);
  EXPECT_EQ(fq[0].n, 3 * 1024);
  EXPECT_EQ(fq[0].k, 1024);
  EXPECT_EQ(fq[0].weights, std::vector<DType>{DType::kInt4});
  EXPECT_EQ(fq[0].activations, DType::kBf16);
  // Backward: dX = dY·Wᵀ through the same four weight matrices; weight
  // gradients dW = Xᵀ·dY stay bf16 GEMMs (QAT keeps dense master weights).
  EXPECT_EQ(all<task::QuantGemm>(q.b.ops).size(), 4u);
  EXPECT_EQ(all<task::Gemm>(q.w.ops).size(), all<task::Gemm>(dense.w.ops).size());
  // The model FLOPs (Megatron's count) do not change with the format.
  EXPECT_DOUBLE_EQ(q.f.model_flops, dense.f.model_flops);
  EXPECT_DOUBLE_EQ(q.b.model_flops + q.w.model_flops, dense.b.model_flops + dense.w.model_flops);
}

TEST(TrainingWeights, SparseFeedForwardRunsSpmmAndSampledWeightGradients) {
  tr::TrainingParams p = gpt();
  p.weights.ffn = WeightFormat::FfnSparsity::kTwoFour;
  const tr::LayerOps L = tr::layer_ops(p);
  const auto fs = all<task::Spmm>(L.f.ops);
  ASSERT_EQ(fs.size(), 2u);  // FC1 and FC2
  EXPECT_TRUE(fs[0].two_four);
  EXPECT_EQ(fs[0].rows, 4096);  // FC1's Wᵀ: ffn × hidden, times the 4,096 tokens
  EXPECT_EQ(fs[0].cols, 1024);
  EXPECT_EQ(fs[0].n, 2 * 2048);
  EXPECT_EQ(all<task::Spmm>(L.b.ops).size(), 2u);
  const auto g = all<task::Sddmm>(L.w.ops);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].nnz, 1024 * 4096 / 2);  // dW of FC1 at the 2:4 pattern
  EXPECT_EQ(g[0].n, 2 * 2048);
}

TEST(TrainingWeights, AStageSumsItsLayersByType) {
  // 4 layers on one stage: int4, int4, int8, int8 (an OHQ-style list): the
  // forward's layer terms are the int4 layer's operations × 2 and the int8
  // layer's × 2.
  const std::string text = test::a100(1, "layers: 4, hidden: 1024, heads: 16, vocab: 51200, seq_len: 2048",
                                       "tp: 8, pp: 1, dp: 1",
                                       "global_batch: 1, micro_batch: 1, weights: { layers: [int4, int4, int8, int8] }");
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  const auto& w = dynamic_cast<const tr::TrainingWorkload&>(*s.workload);
  const auto costs = w.stage_costs();
  ASSERT_EQ(costs.size(), 1u);
  std::map<DType, double> multiplier;
  for (const auto& term : costs[0].forward.terms) {
    const auto q = all<task::QuantGemm>(term.ops);
    if (!q.empty()) multiplier[q[0].weights[0]] += term.multiplier;
  }
  EXPECT_DOUBLE_EQ(multiplier[DType::kInt4], 2.0);
  EXPECT_DOUBLE_EQ(multiplier[DType::kInt8], 2.0);
}

}  // namespace
}  // namespace orrery::training_weights_test
