// Quantized and sparse weights in serving (workloads/weight_format.hpp):
// the bytes a format stores (closed forms: bits per weight plus an fp16 scale
// per group; 2:4 keeps half the values and 2 bits of position each;
// unstructured sparsity pads to the kernel's blocks, 1 − (1 − p)^(r·c) of them
// non-empty); the operations a layer runs in each format; an iteration with
// per-layer types (OHQ-style lists) is the sum over layers of each type's
// priced layer; the memory plan's weights; located errors for bad lists.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/run/run_context.hpp"
#include "tests/support/scenario_support.hpp"
#include "workloads/serving/iteration_cost.hpp"
#include "workloads/serving/serving.hpp"
#include "workloads/weight_format.hpp"

namespace orrery::serving_weights_test {
namespace {

namespace sv = workload::serving;
using task::DType;
using test::error_of;
using workload::WeightFormat;

std::string scenario(const std::string& weights) {
  return fmt::format(R"(
seed: 5
cluster:
  device: H200-SXM-141GB
  nodes: 1
  node: {{ kind: nvswitch, devices: 1, bandwidth: "450 GB/s", nics: 1, nic_bandwidth: "400 Gb/s" }}
network: {{ model: analytic }}
workload:
  kind: serving
  model: {{ preset: llama3-8b }}
  requests: {{ arrival: poisson, rate: 1, count: 1, prompt: {{ tokens: 100 }}, output: {{ tokens: 2 }} }}
  weights: {{ {w} }}
)",
                     fmt::arg("w", weights));
}

TEST(WeightFormat, BytesPerWeight) {
  WeightFormat f;
  // int4 with an fp16 scale per 128 weights: 0.5 + 2/128 B; int3: 3/8 + 2/128.
  EXPECT_DOUBLE_EQ(f.bytes(1e6, 4096, 4096, DType::kInt4, DType::kBf16, false), 1e6 * (0.5 + 2.0 / 128));
  EXPECT_DOUBLE_EQ(f.bytes(1e6, 4096, 4096, DType::kInt3, DType::kBf16, false), 1e6 * (0.375 + 2.0 / 128));
  EXPECT_DOUBLE_EQ(f.bytes(1e6, 4096, 4096, DType::kBf16, DType::kBf16, false), 2e6);  // no scales
  // 2:4 in bf16: half the values (1 B per weight) and 2 bits per kept value (1/8 B per weight).
  f.ffn = WeightFormat::FfnSparsity::kTwoFour;
  EXPECT_DOUBLE_EQ(f.bytes(1e6, 4096, 4096, DType::kBf16, DType::kBf16, true), 1e6 * 1.125);
  // Unstructured at 10% in FlashSparse's 8 × 1 blocks: a block is non-empty
  // with probability 1 − 0.9^8; each stores 8 values of 2 B and a 4 B index.
  f.ffn = WeightFormat::FfnSparsity::kUnstructured;
  f.density = 0.1;
  const double p = 1 - std::pow(0.9, 8);
  // (nnz is rounded to a whole count: 1e-6 relative.)
  EXPECT_NEAR(f.bytes(1e6, 4096, 4096, DType::kBf16, DType::kBf16, true), 1e6 * p * (8 * 2 + 4) / 8, 1.0);
}

TEST(WeightFormat, LayersRunQuantizedAndSparseOperations) {
  sv::ServingParams p;
  p.model.layers = 2;
  p.model.hidden = 4096;
  p.model.heads = 32;
  p.model.kv_heads = 8;
  p.model.ffn_hidden = 14336;
  p.model.mlp = workload::training::Mlp::kSwiglu;
  p.weights.layers = {DType::kInt4, DType::kInt8};
  p.weights.ffn = WeightFormat::FfnSparsity::kTwoFour;
  const sv::IterationCost cost(p, {}, {{DeviceId(0)}});
  ASSERT_EQ(cost.weight_types().size(), 2u);
  const auto ops = cost.layer_ops(16, 0);
  std::vector<task::QuantGemm> quant;
  std::vector<task::Spmm> sparse;
  for (const auto& op : ops) {
    if (const auto* q = std::get_if<task::QuantGemm>(&op)) quant.push_back(*q);
    if (const auto* s = std::get_if<task::Spmm>(&op)) sparse.push_back(*s);
  }
  // Attention's projections dequantize int4 weights; the MLP's up (gate and
  // up, 2 × 14,336 wide) and down projections are 2:4 SpMMs of Wᵀ (n × k)
  // times the 16 tokens, on Magicube's int4 path.
  ASSERT_EQ(quant.size(), 2u);
  EXPECT_EQ(quant[0].weights, std::vector<DType>{DType::kInt4});
  EXPECT_EQ(quant[0].n, (32 + 2 * 8) * 128);
  ASSERT_EQ(sparse.size(), 2u);
  EXPECT_TRUE(sparse[0].two_four);
  EXPECT_EQ(sparse[0].rows, 2 * 14336);
  EXPECT_EQ(sparse[0].cols, 4096);
  EXPECT_EQ(sparse[0].n, 16);
  EXPECT_EQ(sparse[0].dtype, DType::kInt4);
  EXPECT_EQ(sparse[1].rows, 4096);
  EXPECT_EQ(sparse[1].cols, 14336);
}

TEST(WeightFormat, AnIterationSumsEachTypesLayers) {
  // Llama-3-8B's 32 layers: 12 in int4, 20 in int8 (an OHQ-style list).
  std::string list = "layers: [";
  for (int i = 0; i < 32; ++i) list += std::string(i ? ", " : "") + (i < 12 ? "int4" : "int8");
  list += "]";
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, scenario(list), "s.yaml", {}, std::nullopt);
  const auto device = run::device_model(s.cluster);
  const auto& params =
      dynamic_cast<const sv::ServingWorkload&>(*s.workload).params();
  sv::IterationCost cost(params, workload::RuntimePricing{device.get(), nullptr}, {{DeviceId(0)}});
  ASSERT_EQ(cost.weight_types(), (std::vector<DType>{DType::kInt4, DType::kInt8}));
  EXPECT_EQ(cost.layers(0, 0), 12);
  EXPECT_EQ(cost.layers(0, 1), 20);
  sv::BatchShape b;
  b.tokens = 100;
  b.samples = 1;
  b.chunks.emplace_back(100, 100);
  const auto t = [&](const std::vector<task::Operation>& ops) {
    std::int64_t ns = 0;
    for (const auto& op : ops) ns += device->time(op).count();
    return ns;
  };
  const std::int64_t attention = t(cost.attention_ops(b));
  const std::int64_t expected = 12 * (t(cost.layer_ops(100, 0)) + attention) +
                                20 * (t(cost.layer_ops(100, 1)) + attention) + t(cost.stage_extra_ops(0, b));
  EXPECT_EQ(cost.stage_time(0, b).count(), expected);
}

TEST(WeightFormat, TheMemoryPlanStoresEachLayerInItsFormat) {
  // Llama-3-8B, every layer int4: per layer, 4096 × (4096 + 2 × 1024) + 4096²
  // attention weights, 3 × 4096 × 14,336 MLP weights and 2 × 4096 norm
  // weights at 0.5 + 2/128 B; the embedding and the untied output layer
  // (128,256 × 4096 each) and the final norm stay in bf16.
  const run::RunOutput out = test::run_text(scenario("dtype: int4"));
  const double layer = 4096.0 * (4096 + 2 * 1024) + 4096.0 * 4096 + 3 * 4096.0 * 14336 + 2 * 4096;
  const double expected = 32 * layer * (0.5 + 2.0 / 128) + (2 * 128256.0 * 4096 + 4096) * 2;
  EXPECT_NEAR(test::number(out, "weights_bytes"), expected, 1e-6 * expected);
}

TEST(WeightFormatInvalid, BadListsAreLocated) {
  EXPECT_NE(error_of(scenario("layers: [int4, int8]")).find("workload.weights.layers: has 2 types; the model has 32 layers"),
            std::string::npos);
  std::string bad = "layers: [";
  for (int i = 0; i < 32; ++i) bad += std::string(i ? ", " : "") + (i == 5 ? "int5" : "int4");
  bad += "]";
  EXPECT_NE(error_of(scenario(bad)).find("element 5: unknown weight type 'int5'"), std::string::npos);
  EXPECT_NE(error_of(scenario("ffn_sparsity: { pattern: unstructured, density: 0 }"))
                .find("workload.weights.ffn_sparsity.density: must be in (0, 1], got 0"),
            std::string::npos);
  EXPECT_NE(error_of(scenario("ffn_sparsity: { pattern: 2:4, block: [8, 1] }"))
                .find("workload.weights.ffn_sparsity.block: is only used by pattern: unstructured"),
            std::string::npos);
  EXPECT_NE(error_of(scenario("dtype: int4, layers: [int4]")).find("give dtype or layers, not both"),
            std::string::npos);
}

}  // namespace
}  // namespace orrery::serving_weights_test
