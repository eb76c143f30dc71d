// Model presets and the Llama-style transformer (gated MLP, RMSNorm, rotary
// positions, no biases, untied embeddings):
//  * each preset's parameter count against the count its release publishes
//    (the model card's safetensors total, which is the sum over the released
//    config.json's shapes), and GPT-3 175B against Narayanan's closed form;
//  * a SwiGLU model's iteration FLOPs against the closed form
//    3·B·s·[l·(2·(h·(h + 2·kv) + h² + 3·h·f) + 4·s·h) + 2·h·V] (no recompute:
//    forward once, backward twice; Megatron's count, SC21 Eq. 3, with the
//    gated MLP's three h × f matrices and grouped-query K, V);
//  * a gated MLP's activation bytes (three ffn-wide tensors kept, not two);
//  * DeepSeekMoE 16B (fine-grained and shared experts, a dense first layer):
//    its parameters against the config.json closed form and the paper's 16.4B
//    total, 2.8B activated; its iteration FLOPs against the closed form; each
//    stage's parameters and activations by its dense and routed layers;
//  * reading: a preset with overrides, and each bad input with its message.
#include <gtest/gtest.h>

#include <fmt/format.h>


#include "tests/support/scenario_support.hpp"
#include "workloads/training/training.hpp"
#include "workloads/training/model_presets.hpp"

namespace orrery::model_presets_test {
namespace {

namespace tr = workload::training;
using test::error_of;
using test::number;
using test::run_text;

// One DGX A100 node, tp 8.
std::string scenario(const std::string& model, const std::string& training) {
  return test::a100(1, model, "tp: 8", training);
}

tr::TransformerSpec preset(const std::string& name) {
  const auto m = tr::model_preset(name);
  EXPECT_TRUE(m.has_value()) << name;
  return m.value_or(tr::TransformerSpec{});
}

TEST(ModelPresets, ParameterCountsAreThePublishedOnes) {
  // Model cards (Hugging Face, meta-llama/* and mistralai/Mixtral-8x7B-v0.1): total parameters.
  const std::vector<std::pair<std::string, double>> published{
      {"llama2-7b", 6'738'415'616.0},   {"llama2-13b", 13'015'864'320.0}, {"llama2-70b", 68'976'648'192.0},
      {"llama3-8b", 8'030'261'248.0},   {"llama3-70b", 70'553'706'496.0}, {"llama3-405b", 405'853'388'800.0},
      {"mixtral-8x7b", 46'702'792'704.0},
  };
  for (const auto& [name, count] : published) EXPECT_DOUBLE_EQ(preset(name).parameters(), count) << name;
}

TEST(ModelPresets, OptIsTheGptFormulaWithItsVocabularyAndThePapersSizes) {
  // OPT (Zhang et al. 2022, Table 1): GPT-3's layout with a 50,272-token
  // vocabulary; 13B and 66B as the paper rounds them.
  for (const auto& [name, headline] : std::vector<std::pair<std::string, double>>{{"opt-13b", 13e9}, {"opt-66b", 66e9}}) {
    const tr::TransformerSpec m = preset(name);
    const double l = static_cast<double>(m.layers), h = static_cast<double>(m.hidden);
    EXPECT_DOUBLE_EQ(m.parameters(), 12 * l * h * h + 13 * l * h + (50272 + 2048) * h + 2 * h) << name;
    EXPECT_NEAR(m.parameters() / headline, 1.0, 0.02) << name;
  }
}

TEST(ModelPresets, Gpt3IsNarayanansFormulaAndThePapersSizes) {
  // 12·l·h²·(1 + 13/(12h) + (V+s)/(12·l·h)) + 2h (SC21 §5.1, the final LayerNorm
  // added); Brown et al. 2020, Table 2.1: 1.3B, 6.7B, 175.0B.
  for (const auto& [name, headline] :
       std::vector<std::pair<std::string, double>>{{"gpt3-1.3b", 1.3e9}, {"gpt3-6.7b", 6.7e9}, {"gpt3-175b", 175.0e9}}) {
    const tr::TransformerSpec m = preset(name);
    const double l = static_cast<double>(m.layers), h = static_cast<double>(m.hidden);
    const double V = 50257, s = 2048;
    EXPECT_DOUBLE_EQ(m.parameters(), 12 * l * h * h + 13 * l * h + (V + s) * h + 2 * h) << name;
    EXPECT_NEAR(m.parameters() / headline, 1.0, 0.02) << name;  // the paper rounds
  }
}

TEST(ModelPresets, GatedMlpAndGqaLayerCount) {
  // Llama 3 405B, one layer: q and o h² each, k and v h·kv_dim each, gate, up,
  // down h·f each, two RMSNorm scales h each; no biases.
  const tr::TransformerSpec m = preset("llama3-405b");
  const double h = 16384, kv = 8 * 128, f = 53248;
  EXPECT_DOUBLE_EQ(m.layer_parameters(), 2 * h * h + 2 * h * kv + 3 * h * f + 2 * h);
}

TEST(ModelPresets, SwigluIterationFlopsAreTheClosedForm) {
  const auto r = run_text(scenario("preset: llama3-8b, layers: 2, seq_len: 1024",
                                   "global_batch: 8, recompute: none, check_memory: false"));
  const double B = 8, s = 1024, l = 2, h = 4096, kv = 1024, f = 14336, V = 128256;
  const double expected = 3 * B * s * (l * (2 * (h * (h + 2 * kv) + h * h + 3 * h * f) + 4 * s * h) + 2 * h * V);
  EXPECT_NEAR(number(r, "model_flops") / expected, 1.0, 1e-12);
  // The summary's parameter count is the preset's, with the two layers asked for.
  const tr::TransformerSpec m = preset("llama3-8b");
  EXPECT_DOUBLE_EQ(number(r, "parameters"), 2 * m.layer_parameters() + 2 * 128256.0 * 4096 + 4096);
}

TEST(ModelPresets, GatedMlpKeepsThreeFfnTensors) {
  // Korthikanti et al. 2022 Table 2's no-recompute term, per token on one tp rank:
  // 10h + (4h + 4·kv_dim + c·f·k)/t + 5·a·s/t, c = 4 for GeLU (its input and FC2's), 6 gated.
  tr::TransformerSpec m = preset("llama3-8b");
  m.seq_len = 2048;
  const tr::ActivationShape a{.micro_batch = 1, .tp = 8};
  const double s = 2048, h = 4096, kv = 1024, f = 14336, heads = 32, t = 8;
  EXPECT_DOUBLE_EQ(tr::activation_bytes_per_layer(m, a), s * (10 * h + (4 * h + 4 * kv + 6 * f) / t + 5 * heads * s / t));
  m.mlp = tr::Mlp::kGelu;
  EXPECT_DOUBLE_EQ(tr::activation_bytes_per_layer(m, a), s * (10 * h + (4 * h + 4 * kv + 4 * f) / t + 5 * heads * s / t));
}

// deepseek-moe-16b-base config.json: hidden 2,048, 28 layers, vocabulary
// 102,400; 64 routed experts of 1,408 (6 per token) and 2 shared, SwiGLU; the
// first layer dense with a SwiGLU MLP of 10,944; 16 heads, no GQA, no biases,
// RMSNorm, untied embeddings.
constexpr double kDsH = 2048, kDsV = 102400, kDsE = 64, kDsK = 6, kDsS = 2, kDsFe = 1408, kDsF = 10944;
double deepseek_routed_layer() { return 4 * kDsH * kDsH + (kDsE + kDsS) * 3 * kDsH * kDsFe + kDsH * kDsE + 2 * kDsH; }
double deepseek_dense_layer() { return 4 * kDsH * kDsH + 3 * kDsH * kDsF + 2 * kDsH; }

TEST(ModelPresets, DeepSeekMoeIsThePapersSixteenBillionWithTwoPointEightActivated) {
  const tr::TransformerSpec m = preset("deepseek-moe-16b");
  EXPECT_DOUBLE_EQ(m.layer_parameters(false), deepseek_dense_layer());
  EXPECT_DOUBLE_EQ(m.layer_parameters(true), deepseek_routed_layer());
  const double total = deepseek_dense_layer() + 27 * deepseek_routed_layer() + 2 * kDsV * kDsH + kDsH;
  EXPECT_DOUBLE_EQ(m.parameters(), total);
  // A token skips 64 − 6 routed experts in each of the 27 routed layers.
  EXPECT_DOUBLE_EQ(m.active_parameters(), total - 27 * (kDsE - kDsK) * 3 * kDsH * kDsFe);
  // Dai et al. 2024 (DeepSeekMoE), §5.1: 16.4B parameters, 2.8B activated (rounded to 0.1B).
  EXPECT_NEAR(m.parameters(), 16.4e9, 0.05e9);
  EXPECT_NEAR(m.active_parameters(), 2.8e9, 0.05e9);
}

TEST(ModelPresets, DeepSeekMoeIterationFlopsAreTheClosedForm) {
  // Four layers (one dense, three routed), s = 512, B = 8, tp 8: Megatron's
  // count per token, forward once and backward twice: each GEMM 2·m·n·k, a
  // routed layer's token passing through its 6 routed and 2 shared experts
  // and the router (h × E; replicated over the tp ranks, counted once),
  // attention 4·s·h.
  const auto r = run_text(scenario("preset: deepseek-moe-16b, layers: 4, seq_len: 512",
                                   "global_batch: 8, recompute: none, check_memory: false"));
  const double B = 8, s = 512, h = kDsH;
  const double attention = 2 * 4 * h * h + 4 * s * h;
  const double dense = attention + 2 * 3 * h * kDsF;
  const double routed = attention + 2 * 3 * h * kDsFe * (kDsK + kDsS) + 2 * h * kDsE;
  const double expected = 3 * B * s * (dense + 3 * routed + 2 * h * kDsV);
  EXPECT_NEAR(number(r, "model_flops") / expected, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(number(r, "parameters"),
                   deepseek_dense_layer() + 3 * deepseek_routed_layer() + 2 * kDsV * kDsH + kDsH);
}

TEST(ModelPresets, DeepSeekMoeStagesHoldTheirOwnLayers) {
  // pp 2 over 4 layers: stage 0 holds the dense layer and a routed one, stage
  // 1 two routed ones. Per tp rank (t = 8) with ep 2 over dp 2, the routed
  // experts' MLPs are split ep ways as well: 64 · 3·h·1,408 · (1 − 1/2) fewer
  // per routed layer. Activations (Korthikanti's no-recompute term per token,
  // flash attention, s = 512, b = 1, no sequence parallelism): a routed layer keeps 6 ffn-wide tensors
  // of (6 + 2) · 1,408 per token, the dense layer of 10,944.
  const std::string text = test::a100(4, "preset: deepseek-moe-16b, layers: 4, seq_len: 512",
                                       "tp: 8, pp: 2, dp: 2, ep: 2", "global_batch: 8, micro_batch: 1, recompute: none");
  const run::Catalog catalog;
  const run::Scenario sc = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  const auto& w = dynamic_cast<const tr::TrainingWorkload&>(*sc.workload);
  const auto costs = w.stage_costs();
  ASSERT_EQ(costs.size(), 2u);
  const double t = 8, h = kDsH, s = 512;
  const double held = kDsE * 3 * h * kDsFe / 2;
  EXPECT_DOUBLE_EQ(costs[0].parameters, (deepseek_dense_layer() + deepseek_routed_layer() - held) / t + kDsV * h / t);
  // The last stage adds the untied output layer and the final RMSNorm.
  EXPECT_DOUBLE_EQ(costs[1].parameters, 2 * (deepseek_routed_layer() - held) / t + kDsV * h / t + h);
  const double kv = h;  // no GQA
  const auto act = [&](double ffn) { return s * (10 * h + (4 * h + 4 * kv + 6 * ffn) / t); };
  EXPECT_DOUBLE_EQ(costs[0].activation_bytes, act(kDsF) + act((kDsK + kDsS) * kDsFe));
  // The last stage keeps the fp32 logits of its s tokens over V/t for the loss.
  EXPECT_DOUBLE_EQ(costs[1].activation_bytes, 2 * act((kDsK + kDsS) * kDsFe) + s * kDsV / t * 4);
}

TEST(ModelPresets, KeysBesideThePresetOverrideIt) {
  const auto r = run_text(scenario("preset: llama2-7b, layers: 2, seq_len: 512, tied_embeddings: true, norm: layernorm",
                                   "global_batch: 8, check_memory: false"));
  // Two layers of Llama 2 7B with LayerNorm (2h per norm), one shared V·h embedding, final LayerNorm.
  const double h = 4096, f = 11008, V = 32000;
  EXPECT_DOUBLE_EQ(number(r, "parameters"), 2 * (4 * h * h + 3 * h * f + 4 * h) + V * h + 2 * h);
}

TEST(ModelPresetsInvalid, EachBadInputSaysWhereAndWhy) {
  const std::string base = test::kSmallTraining;
  const std::string shape = "model: { layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }";
  EXPECT_EQ(error_of(test::replace(base, shape, "model: { preset: llama3-406b }")),
            "s.yaml:9:20: error: workload.model.preset: unknown value 'llama3-406b'; did you mean 'llama3-405b'?; "
            "valid: none, gpt3-1.3b, gpt3-6.7b, gpt3-175b, opt-13b, opt-66b, llama2-7b, llama2-13b, llama2-70b, llama3-8b, llama3-70b, "
            "llama3-405b, mixtral-8x7b, deepseek-moe-16b");
  EXPECT_EQ(error_of(test::replace(base, shape, "model: { hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }")),
            "s.yaml:9:10: error: workload.model.layers: missing required key 'layers' (transformer layers)");
  EXPECT_EQ(error_of(test::replace(base, "seq_len: 1024 }", "seq_len: 1024, mlp: relu }")),
            "s.yaml:9:82: error: workload.model.mlp: unknown value 'relu'; did you mean 'gelu'?; valid: gelu, swiglu");
  EXPECT_EQ(error_of(test::replace(base, "seq_len: 1024 }", "seq_len: 1024, positions: alibi }")),
            "s.yaml:9:88: error: workload.model.positions: unknown value 'alibi'; valid: learned, rotary");
  EXPECT_EQ(error_of(test::replace(base, "seq_len: 1024 }", "seq_len: 1024, tied_embeddings: maybe }")),
            "s.yaml:9:94: error: workload.model.tied_embeddings: expected a boolean (true or false), found 'maybe'");
  // DeepSeekMoE's keys need experts, and a routed layer after the dense ones.
  EXPECT_EQ(error_of(test::replace(base, "seq_len: 1024 }", "seq_len: 1024, shared_experts: 2 }")),
            "s.yaml:9:93: error: workload.model.shared_experts: needs a mixture-of-experts model (experts > 1)");
  EXPECT_EQ(error_of(test::replace(base, "seq_len: 1024 }", "seq_len: 1024, experts: 8, dense_layers: 8 }")),
            "s.yaml:9:103: error: workload.model.dense_layers: must be between 0 and layers − 1 (7), got 8");
  EXPECT_EQ(error_of(test::replace(base, "seq_len: 1024 }", "seq_len: 1024, experts: 8, moe_ffn_hidden: 100 }")),
            "s.yaml:10:19: error: workload.parallel.tp: tp 8 must divide an expert's width, moe_ffn_hidden 100");
}

}  // namespace
}  // namespace orrery::model_presets_test
