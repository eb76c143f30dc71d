// The `training` workload against closed forms (../shared/validation/README.md):
// pipeline bubbles with profiled times (GPipe, Narayanan et al. SC21 §2.2;
// Qi et al. ICLR'24 Table 2), Megatron-LM's FLOP count (SC21 Eq. 3), ZeRO's
// model-state memory (Rajbhandari et al. SC20 §5), Korthikanti et al.'s
// activation memory, the parameter count, the rank mapping, and its errors.
// Every expected number is computed here from the formula, independently of
// the lowering.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "sim/run/simulation.hpp"
#include "sim/core/error.hpp"
#include "tests/support/scenario_support.hpp"
#include "workloads/training/plan.hpp"
#include "workloads/training/transformer.hpp"

namespace orrery::training_test {
namespace {

using test::error_of;
using test::number;
using test::numbers;
using test::replace;
using test::text_of;
using test::a100;
namespace tr = workload::training;

run::RunOutput run(const std::string& text, const std::vector<std::string>& sets = {}) {
  const run::Catalog catalog;
  return run::simulate(run::parse_scenario(catalog, text, "t.yaml", sets, std::nullopt));
}

// ---------------------------------------------------------------- profiled pipelines

struct Profiled {
  int p = 4;
  int m = 8;
  int v = 1;
  int layers = 8;
  std::string schedule = "1f1b";
  std::int64_t tf_us = 1000, tb_us = 2000, tw_us = 0;
};

std::string profiled(const Profiled& c) {
  // A tiny model so that the gradient and embedding reductions after the
  // pipeline are negligible; the closed forms are checked on pipeline_time_s
  // (the end of the last F, B or W) and bubble_s, which they do not touch.
  return fmt::format(R"(
cluster: {{ nodes: {p}, scale_out: {{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "0 ns" }} }}
network: {{ model: analytic }}
workload:
  kind: training
  model: {{ layers: {l}, hidden: 64, heads: 1, vocab: 64, seq_len: 64 }}
  parallel: {{ pp: {p}, vpp: {v} }}
  training: {{ global_batch: {m}, schedule: {s}, attention: unfused }}
  compute: {{ model: profiled, forward: "{tf} us", backward: "{tb} us", weight: "{tw} us" }}
)",
                     fmt::arg("p", c.p), fmt::arg("m", c.m), fmt::arg("v", c.v), fmt::arg("l", c.layers),
                     fmt::arg("s", c.schedule), fmt::arg("tf", c.tf_us), fmt::arg("tb", c.tb_us), fmt::arg("tw", c.tw_us));
}

TEST(TrainingProfiled, GPipeAndOneFOneBBubbleIsPMinusOneOverMPlusPMinusOne) {
  // GPipe, 1F1B: the pipeline takes (m+p−1)(t_f+t_b); bubble (p−1)(t_f+t_b),
  // a fraction (p−1)/(m+p−1) of it.
  for (const std::string s : {"gpipe", "1f1b"}) {
    for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {2, 5}, {8, 8}, {4, 16}}) {
      Profiled c{.p = p, .m = m, .layers = 2 * p, .schedule = s};
      const auto r = run(profiled(c));
      const double t = (c.tf_us + c.tb_us) * 1e-6;
      EXPECT_NEAR(number(r, "pipeline_time_s"), (m + p - 1) * t, 1e-9) << s << " p=" << p << " m=" << m;
      EXPECT_NEAR(number(r, "bubble_s"), (p - 1) * t, 1e-9) << s;
      EXPECT_NEAR(1.0 - m * t / number(r, "pipeline_time_s"), (p - 1.0) / (m + p - 1.0), 1e-9) << s;
    }
  }
}

TEST(TrainingProfiled, GPipeWithMeasuredSendTimeAddsTwoSendsPerBoundary) {
  // T_comm c per stage-to-stage send, posted asynchronously: the first
  // micro-batch's forward crosses p−1 boundaries and the last one's backward
  // crosses them back, so GPipe takes (m+p−1)(t_f+t_b) + 2(p−1)·c (every
  // other send overlaps compute).
  for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {3, 6}}) {
    std::string text = profiled(Profiled{.p = p, .m = m, .layers = p, .schedule = "gpipe"});
    text = replace(text, "weight: \"0 us\"", "weight: \"0 us\", comm: \"250 us\"");
    text = replace(text, "schedule: gpipe", "schedule: gpipe, pipeline_sends: asynchronous");
    const auto r = run(text);
    EXPECT_NEAR(number(r, "pipeline_time_s"), (m + p - 1) * 3e-3 + 2 * (p - 1) * 250e-6, 1e-9) << p << " " << m;
  }
}

TEST(TrainingProfiled, GPipeWithSynchronousSendsPaysEverySend) {
  // Megatron's synchronous p2p (the default under gpipe): a stage starts its
  // next operation once its send is done, so every stage but the last runs
  // the forward phase at a period of t_f + c and, symmetrically, the backward
  // at t_b + c. Micro-batch i reaches stage s at (i+s)(t_f+c); the last
  // forward ends at (m+p−2)(t_f+c) + t_f and the backward phase takes
  // (m+p−2)(t_b+c) + t_b: in all (m+p−1)(t_f+t_b) + 2(m+p−2)·c.
  for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {3, 6}}) {
    std::string text = profiled(Profiled{.p = p, .m = m, .layers = p, .schedule = "gpipe"});
    text = replace(text, "weight: \"0 us\"", "weight: \"0 us\", comm: \"250 us\"");
    const auto r = run(text);
    EXPECT_NEAR(number(r, "pipeline_time_s"), (m + p - 1) * 3e-3 + 2 * (m + p - 2) * 250e-6, 1e-9) << p << " " << m;
  }
}

TEST(TrainingProfiled, SameScenarioTwiceGivesIdenticalTimelines) {
  const std::string text = profiled(Profiled{.p = 4, .m = 8, .v = 2, .layers = 8, .schedule = "interleaved_1f1b"});
  const auto a = run(text);
  const auto b = run(text);
  ASSERT_EQ(a.recorder->spans().size(), b.recorder->spans().size());
  for (std::size_t i = 0; i < a.recorder->spans().size(); ++i) {
    const auto& x = a.recorder->spans()[i];
    const auto& y = b.recorder->spans()[i];
    ASSERT_TRUE(x.start == y.start && x.end == y.end && x.device == y.device && x.name == y.name) << i;
  }
}

TEST(TrainingProfiled, InterleavedBubbleShrinksByV) {
  // Interleaved 1F1B with v chunks: bubble (p−1)(t_f+t_b)/v, i.e. (p−1)/(v·m) of the ideal m(t_f+t_b).
  for (const auto& [p, m, v] : std::vector<std::tuple<int, int, int>>{{4, 8, 2}, {4, 8, 4}, {2, 6, 3}, {8, 16, 2}}) {
    Profiled c{.p = p, .m = m, .v = v, .layers = p * v, .schedule = "interleaved_1f1b", .tf_us = 1200, .tb_us = 2400};
    const auto r = run(profiled(c));
    const double t = (c.tf_us + c.tb_us) * 1e-6;
    EXPECT_NEAR(number(r, "pipeline_time_s"), m * t + (p - 1) * t / v, 1e-9) << p << " " << m << " " << v;
    EXPECT_NEAR((number(r, "pipeline_time_s") - m * t) / (m * t), (p - 1.0) / (v * m), 1e-9);
  }
}

TEST(TrainingProfiled, ZeroBubbleSchedulesMatchTable2) {
  // Qi et al. Table 2: ZB-H1 bubble (p−1)(T_F+T_B−T_W), ZB-H2 (p−1)(T_F+T_B−2T_W)
  // (for m ≥ 2p−1); the pipeline then ends at m(T_F+T_B+T_W) + (p−1)·max(T_F, bubble/(p−1)).
  for (const auto& [tf, tb, tw] : std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{
           {1000, 1000, 1000}, {1500, 2000, 1000}, {2000, 3000, 1000}}) {
    for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {3, 7}, {5, 12}}) {
      for (const int w : {1, 2}) {
        Profiled c{.p = p, .m = m, .layers = p, .schedule = w == 1 ? "zb_h1" : "zb_h2", .tf_us = tf, .tb_us = tb, .tw_us = tw};
        const auto r = run(profiled(c));
        const double bubble = (p - 1) * (tf + tb - w * tw) * 1e-6;
        EXPECT_NEAR(number(r, "bubble_s"), bubble, 1e-9) << c.schedule << " p=" << p << " m=" << m;
        EXPECT_NEAR(number(r, "pipeline_time_s"),
                    m * (tf + tb + tw) * 1e-6 + (p - 1) * std::max(tf, tf + tb - w * tw) * 1e-6, 1e-9)
            << c.schedule;
      }
    }
  }
}

TEST(TrainingProfiled, PostValidatedIterationsRepeatEveryLongestDeviceSpan) {
  // ZB-H2 post-validates by default (Qi et al. §4): each device starts the
  // next iteration when its own work ends. With untied embeddings, dp 1 and
  // profiled times (no reduction, a free optimizer step) a device's work is
  // its pipeline span, the longest stage 0's: m(T_F+T_B+T_W) + (p−1)(T_F+T_B−2T_W),
  // against the isolated m(T_F+T_B+T_W) + (p−1)·T_F when 2T_W > T_B (Table 2,
  // as in ZeroBubbleSchedulesMatchTable2). Tied embeddings make stage 0's
  // step wait for the last stage's embedding gradient, so its span is the
  // isolated iteration.
  for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {3, 7}, {5, 12}}) {
    const std::string text =
        profiled(Profiled{.p = p, .m = m, .layers = p, .schedule = "zb_h2", .tf_us = 1500, .tb_us = 1500, .tw_us = 1000});
    const double work = m * 4000e-6;
    const double isolated = work + (p - 1) * 1500e-6;
    const auto untied = run(text, {"workload.model.tied_embeddings=false"});
    EXPECT_EQ(text_of(untied, "optimizer_step"), "post_validation");
    EXPECT_NEAR(number(untied, "iteration_time_s"), work + (p - 1) * 1000e-6, 1e-9) << p << " " << m;
    EXPECT_NEAR(number(untied, "isolated_iteration_time_s"), isolated, 1e-9) << p << " " << m;
    EXPECT_NEAR(number(untied, "tokens_per_s"), m * 64 / number(untied, "iteration_time_s"), 1e-6);
    const auto synced =
        run(text, {"workload.model.tied_embeddings=false", "workload.training.optimizer_step=synchronized"});
    EXPECT_NEAR(number(synced, "iteration_time_s"), isolated, 1e-9) << p << " " << m;
    const auto tied = run(text);
    EXPECT_EQ(number(tied, "iteration_time_s"), number(tied, "isolated_iteration_time_s")) << p << " " << m;
    EXPECT_GT(number(tied, "iteration_time_s"), isolated);
  }
}

TEST(TrainingProfiled, ZbVHasNoBubbleWhenTheThreePassesAreEqual) {
  // §6: T_F = T_B = T_W gives zero bubble (m ≥ 2p−1); each chunk's pass takes T/2.
  for (const auto& [p, m] : std::vector<std::pair<int, int>>{{4, 8}, {3, 5}, {6, 12}}) {
    Profiled c{.p = p, .m = m, .v = 2, .layers = 2 * p, .schedule = "zb_v", .tf_us = 1000, .tb_us = 1000, .tw_us = 1000};
    const auto r = run(profiled(c));
    EXPECT_NEAR(number(r, "bubble_s"), 0.0, 1e-12) << p << " " << m;
    EXPECT_NEAR(number(r, "pipeline_time_s"), m * 3e-3 + (p - 1) * 0.5e-3, 1e-9);
  }
}

TEST(TrainingProfiled, FirstStageHoldsPMicroBatchesUnderOneFOneBAndMUnderGPipe) {
  // Korthikanti et al. Table 2, no parallelism: s·b·h·(34 + 5·a·s/h) bytes per
  // layer and micro-batch; stage 0 holds L/p layers of p (1F1B) or m (GPipe) micro-batches.
  const double s = 64, b = 1, h = 64, a = 1;
  const int p = 4, m = 8, layers = 8;
  const double per_micro_batch = layers / p * s * b * h * (34 + 5 * a * s / h);
  for (const auto& [schedule, in_flight] : std::vector<std::pair<std::string, int>>{{"1f1b", p}, {"gpipe", m}}) {
    const auto r = run(profiled(Profiled{.p = p, .m = m, .layers = layers, .schedule = schedule}));
    const auto& rows = r.recorder->memory();
    ASSERT_FALSE(rows.empty());
    const auto activations = static_cast<std::size_t>(task::MemoryCategory::kActivations);
    EXPECT_DOUBLE_EQ(static_cast<double>(rows[0].parts[activations]), in_flight * per_micro_batch) << schedule;
  }
}

// ---------------------------------------------------------------- device model

TEST(TrainingFlops, IterationFlopsAreMegatronsEquation3) {
  // Narayanan et al. SC21 Eq. 3, full recompute: F = 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)).
  // Without recompute each layer runs forward once and backward (2×) once, and
  // the logits layer likewise: 72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)).
  struct Shape {
    int l, h, a, V, s, B, nodes;
    std::string parallel;
  };
  for (const Shape& x : std::vector<Shape>{{8, 1024, 16, 51200, 2048, 16, 1, "tp: 8"},
                                           {16, 2048, 16, 32000, 1024, 32, 2, "tp: 4, pp: 4, vpp: 2"},
                                           {12, 1536, 12, 50304, 4096, 8, 2, "tp: 2, pp: 2, dp: 2, cp: 2"},
                                           {24, 4096, 32, 64000, 2048, 64, 4, "tp: 8, pp: 4, sequence_parallel: true"}}) {
    const std::string model = fmt::format("layers: {}, hidden: {}, heads: {}, vocab: {}, seq_len: {}", x.l, x.h, x.a, x.V, x.s);
    const double l = x.l, h = x.h, V = x.V, s = x.s, B = x.B;
    for (const std::string recompute : {"full", "none"}) {
      const auto r = run(a100(x.nodes, model, x.parallel,
                              fmt::format("global_batch: {}, recompute: {}, check_memory: false", x.B, recompute)));
      const double expected = recompute == "full" ? 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))
                                                  : 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
      EXPECT_NEAR(number(r, "model_flops") / expected, 1.0, 1e-12) << x.parallel << " " << recompute;
      EXPECT_NEAR(number(r, "tflops_per_device"),
                  expected / number(r, "iteration_time_s") / (8 * x.nodes) * 1e-12, 1e-6 * number(r, "tflops_per_device"));
      EXPECT_NEAR(number(r, "tokens_per_s"), B * s / number(r, "iteration_time_s"), 1e-6 * number(r, "tokens_per_s"));
    }
  }
}

TEST(TrainingVocabulary, VocabularyParallelismKeepsTheFlopsAndSpreadsTheVocabulary) {
  // Yeung et al. 2024: the vocabulary's V·h weights (input and output layer,
  // tied) split over the p stages. Eq. 3 counts the same FLOPs whoever
  // computes the logits; the first stage drops its word embedding and the
  // last its copy of it (V·h/t weights each) and every stage holds V·h/(p·t);
  // weights 2 bytes each (bf16), so both device 0's and the last stage's
  // parameter memory fall by 2·V·h/t·(1 − 1/p).
  const double V = 64000, h = 1024, t = 2, p = 4;
  const std::string model = "layers: 8, hidden: 1024, heads: 16, vocab: 64000, seq_len: 1024";
  const auto naive = run(a100(1, model, "tp: 2, pp: 4", "global_batch: 8, check_memory: false"));
  const auto vocab = run(a100(1, model, "tp: 2, pp: 4", "global_batch: 8, check_memory: false, vocab_parallel: true"));
  EXPECT_NEAR(number(vocab, "model_flops") / number(naive, "model_flops"), 1.0, 1e-12);
  const auto params = [](const run::RunOutput& r, int device) {
    for (const auto& row : r.recorder->memory()) {
      if (row.device == device) return static_cast<double>(row.parts[static_cast<std::size_t>(task::MemoryCategory::kParameters)]);
    }
    return -1.0;
  };
  EXPECT_NEAR(params(naive, 0) - params(vocab, 0), 2 * V * h / t * (1 - 1 / p), 4);
  EXPECT_NEAR(params(naive, 6) - params(vocab, 6), 2 * V * h / t * (1 - 1 / p), 4);  // stage 3's lead is device 6
}

TEST(TrainingVocabulary, RunsUnderEveryScheduleWithTheSameFlops) {
  // The vocabulary passes join each schedule's order (delayed backwards with
  // one chunk, bubbles with two) without a dependency cycle, and Eq. 3's
  // count does not depend on who computes the logits.
  const std::string model = "layers: 8, hidden: 512, heads: 8, vocab: 64000, seq_len: 512";
  for (const auto& [schedule, v] : std::vector<std::pair<std::string, int>>{
           {"gpipe", 1}, {"1f1b", 1}, {"zb_h1", 1}, {"zb_h2", 1}, {"interleaved_1f1b", 2}, {"zb_v", 2}, {"v_half", 2}}) {
    const std::string parallel = fmt::format("pp: 4, tp: 2, vpp: {}", v);
    const std::string training = fmt::format("global_batch: 8, schedule: {}, check_memory: false", schedule);
    const auto naive = run(a100(1, model, parallel, training));
    const auto vocab = run(a100(1, model, parallel, training + ", vocab_parallel: true"));
    EXPECT_NEAR(number(vocab, "model_flops") / number(naive, "model_flops"), 1.0, 1e-12) << schedule;
    EXPECT_GT(number(vocab, "iteration_time_s"), 0) << schedule;
  }
}

TEST(TrainingModel, MixtureOfExpertsCountsEveryExpertAndTheRouter) {
  // Per layer: attention 4h² + 4h, E experts of 2·h·f + f + h, a router of h·E, norms 4h.
  const double h = 1024, f = 4096, E = 8;
  tr::TransformerSpec m{.layers = 2, .hidden = 1024, .heads = 16, .kv_heads = 16, .ffn_hidden = 4096, .vocab = 1000,
                        .seq_len = 128, .experts = 8, .top_k = 2};
  EXPECT_DOUBLE_EQ(m.layer_parameters(), 4 * h * h + 4 * h + E * (2 * h * f + f + h) + h * E + 4 * h);
  // Grouped-query attention shrinks K and V: QKV is h·(h + 2·kv_dim) (+ bias).
  tr::TransformerSpec g{.layers = 2, .hidden = 1024, .heads = 16, .kv_heads = 4, .ffn_hidden = 4096, .vocab = 1000, .seq_len = 128};
  const double kv = 4 * 64;
  EXPECT_DOUBLE_EQ(g.layer_parameters(), h * (h + 2 * kv) + (h + 2 * kv) + h * h + h + 2 * h * f + f + h + 4 * h);
}

TEST(TrainingMemory, ContextParallelismSplitsTheTokensButNotTheKeys) {
  // Korthikanti's s·b·h·(34 + 5·a·s/h)/t (sequence parallel) with each rank's
  // s/cp tokens; in the score term the rank's s/cp queries meet all s keys.
  tr::TransformerSpec m{.layers = 1, .hidden = 4096, .heads = 32, .kv_heads = 32, .ffn_hidden = 16384, .vocab = 1,
                        .seq_len = 8192};
  const double s = 8192, h = 4096, a = 32, t = 4, cp = 4;
  const double got = tr::activation_bytes_per_layer(
      m, tr::ActivationShape{.micro_batch = 1, .tp = 4, .cp = 4, .sequence_parallel = true});
  EXPECT_DOUBLE_EQ(got, (s / cp) * h * (34 + 5 * a * s / h) / t);
  EXPECT_DOUBLE_EQ(tr::activation_bytes_per_layer(m, tr::ActivationShape{.micro_batch = 1, .tp = 4, .cp = 4,
                                                                         .sequence_parallel = true,
                                                                         .recompute = tr::Recompute::kSelective}),
                   (s / cp) * h * 34 / t);
}

TEST(TrainingOffload, OptimizerOnTheHostMovesGradientsAndWeightsOverPcie) {
  // ZeRO-Offload (stage 2, 8 ranks): each device's 1/8 of the gradients (2
  // bytes each) goes down and its 1/8 of the weights (2 bytes) comes up over
  // its PCIe link (DGX-A100-host: 31.5 GB/s); Adam runs on the host at its
  // share of the DDR bandwidth (409.6 GB/s / 8 GPUs), 28 bytes per parameter
  // (reads ZeRO's K = 12 bytes of states and the 2-byte gradient, writes the
  // states and the 2-byte weight); no optimizer state stays on the device.
  const double l = 4, h = 512, V = 1000, s = 256;
  const double psi = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h)) + 2 * h;
  std::string text = a100(1, "layers: 4, hidden: 512, heads: 8, vocab: 1000, seq_len: 256", "dp: 8",
                          "global_batch: 8, zero_stage: 2, gradient_precision: bf16, offload: cpu");
  text = replace(text, "  device: A100-SXM4-80GB\n", "  device: A100-SXM4-80GB\n  host: DGX-A100-host\n");
  const auto r = run(text);
  const auto duration_of = [&](const std::string& name) {
    const auto& names = r.recorder->names();
    for (const auto& sp : r.recorder->spans()) {
      if (sp.device == 0 && names[static_cast<std::size_t>(sp.name)] == name) return static_cast<double>(sp.end - sp.start);
    }
    return -1.0;
  };
  const double local = psi / 8;
  EXPECT_NEAR(duration_of("gradients to host"), std::ceil(local * 2 / 31.5e9 * 1e9), 1);
  EXPECT_NEAR(duration_of("optimizer step (host)"), std::ceil(local * 28 / (409.6e9 / 8) * 1e9), 1);
  EXPECT_NEAR(duration_of("weights to device"), std::ceil(local * 2 / 31.5e9 * 1e9), 1);
  EXPECT_EQ(r.recorder->memory()[0].parts[static_cast<std::size_t>(task::MemoryCategory::kOptimizer)], 0);
}

TEST(TrainingModel, ParameterCountIsNarayanansFormula) {
  // P = 12·l·h²·(1 + 13/(12h) + (V+s)/(12·l·h)) (SC21 §5.1); GPT-3 175B: 174.6e9.
  for (const auto& [l, h, V, s] : std::vector<std::tuple<double, double, double, double>>{
           {96, 12288, 51200, 2048}, {128, 25600, 51200, 2048}, {24, 1024, 50257, 1024}}) {
    tr::TransformerSpec m{.layers = static_cast<std::int64_t>(l), .hidden = static_cast<std::int64_t>(h), .heads = 8,
                          .kv_heads = 8, .ffn_hidden = static_cast<std::int64_t>(4 * h),
                          .vocab = static_cast<std::int64_t>(V), .seq_len = static_cast<std::int64_t>(s)};
    // + 2h: the final LayerNorm, which the formula leaves out.
    const double expected = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h)) + 2 * h;
    EXPECT_NEAR(m.parameters() / expected, 1.0, 1e-12);
  }
}

TEST(TrainingMemory, ZeroModelStatesMatchThePaper) {
  // Rajbhandari et al. SC20 §5 (Figure 1's example): Ψ = 7.5B, N_d = 64, K = 12:
  // 120 GB, 31.4 GB, 16.6 GB, 1.9 GB for stages 0–3 (printed to 3 digits).
  const double psi = 7.5e9;
  const std::vector<double> published{120e9, 31.4e9, 16.6e9, 1.9e9};
  const std::vector<double> closed{16 * psi, 4 * psi + 12 * psi / 64, 2 * psi + 14 * psi / 64, 16 * psi / 64};
  for (int stage = 0; stage <= 3; ++stage) {
    const double got = tr::model_state_bytes(psi, tr::ZeroShape{.stage = stage, .ranks = 64}).total();
    EXPECT_DOUBLE_EQ(got, closed[static_cast<std::size_t>(stage)]) << stage;
    EXPECT_NEAR(got, published[static_cast<std::size_t>(stage)], 0.05e9) << stage;
  }
}

TEST(TrainingMemory, SimulatedModelStatesFollowTheZeroStage) {
  // dp 8 on one node, no tp/pp: device 0 holds the whole model's states, by
  // stage: weights 2Ψ (Ψ/8 at stage 3), gradients 2Ψ (/8 from stage 2),
  // optimizer 12Ψ (/8 from stage 1), Ψ counted with the output layer tied.
  const double l = 4, h = 512, V = 1000, s = 256;
  const double psi = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h)) + 2 * h;  // + final norm
  const std::string model = "layers: 4, hidden: 512, heads: 8, vocab: 1000, seq_len: 256";
  for (int stage = 0; stage <= 3; ++stage) {
    const auto r = run(a100(1, model, "dp: 8", fmt::format("global_batch: 8, zero_stage: {}, gradient_precision: bf16", stage)));
    const auto& row = r.recorder->memory()[0];
    const auto at = [&](task::MemoryCategory c) { return static_cast<double>(row.parts[static_cast<std::size_t>(c)]); };
    EXPECT_NEAR(at(task::MemoryCategory::kParameters), 2 * psi / (stage >= 3 ? 8 : 1), 2) << stage;
    EXPECT_NEAR(at(task::MemoryCategory::kGradients), 2 * psi / (stage >= 2 ? 8 : 1), 2) << stage;
    EXPECT_NEAR(at(task::MemoryCategory::kOptimizer), 12 * psi / (stage >= 1 ? 8 : 1), 2) << stage;
  }
}

TEST(TrainingMemory, OutOfMemoryEndsTheRunWithTheBreakdown) {
  // GPT-3 175B on 8 GPUs without pipeline: 18 bytes × 175e9 / 8 ≈ 394 GB per GPU of model state.
  const std::string model = "layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq_len: 2048";
  const std::string text = a100(1, model, "tp: 8", "global_batch: 1");
  try {
    (void)run(text);
    FAIL() << "no out-of-memory error";
  } catch (const InfeasibleError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("out of memory: device 0 (A100-SXM4-80GB)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("capacity"), std::string::npos) << msg;
    EXPECT_NE(msg.find("optimizer"), std::string::npos) << msg;
    EXPECT_NE(msg.find("check_memory: false"), std::string::npos) << msg;
  }
  EXPECT_NO_THROW((void)run(text, {"workload.training.check_memory=false"}));
}

// ---------------------------------------------------------------- plan and errors

TEST(TrainingPlan, MegatronOrderPutsTpInnermostThenCpDpPp) {
  tr::ParallelPlan p{.dp = 2, .tp = 4, .pp = 3, .vpp = 1, .cp = 2};
  // rank = tp + 4·(cp + 2·(dp + 2·pp))
  EXPECT_EQ(p.device({.tp = 3, .cp = 1, .dp = 1, .pp = 2}).value(), 3 + 4 * (1 + 2 * (1 + 2 * 2)));
  const auto tp = p.group({.tp = 1, .cp = 0, .dp = 1, .pp = 0}, {tr::Axis::kTp});
  ASSERT_EQ(tp.size(), 4U);
  EXPECT_EQ(tp[0].value(), 0 + 4 * (0 + 2 * 1));  // rank of tp 0, cp 0, dp 1, pp 0
  EXPECT_EQ(tp[3].value(), 3 + 4 * (0 + 2 * 1));
  const auto dp = p.group({.tp = 2, .cp = 1, .dp = 0, .pp = 1}, {tr::Axis::kDp, tr::Axis::kCp});
  EXPECT_EQ(dp.size(), 4U);
  EXPECT_EQ(dp[0].value(), 2 + 4 * (0 + 2 * (0 + 2 * 1)));
  EXPECT_EQ(dp[3].value(), 2 + 4 * (1 + 2 * (1 + 2 * 1)));
}

const std::string kBase = R"(
cluster:
  nodes: 2
  device: A100-SXM4-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nics: 8, nic_bandwidth: "200 Gb/s" }
  scale_out: { kind: fat_tree, levels: 2, radix: 16 }
workload:
  kind: training
  model: { layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }
  parallel: { tp: 4, pp: 2, dp: 2 }
  training: { global_batch: 8, micro_batch: 1 }
)";

std::string simulate_error(const std::string& text) {
  const run::Catalog catalog;
  try {
    (void)run::simulate(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TrainingInvalid, PlansThatDoNotFitSayWhyWithTheNumbers) {
  EXPECT_EQ(error_of(kBase), "(no error)");
  EXPECT_EQ(simulate_error(replace(kBase, "dp: 2", "dp: 4")),
            "s.yaml:10:13: error: workload.parallel: dp 4 × tp 4 × pp 2 × cp 1 = 32 devices, but the cluster has 16");
  EXPECT_EQ(error_of(replace(kBase, "dp: 2", "dp: 3")),
            "s.yaml:11:29: error: workload.training.global_batch: global batch 8 is not a multiple of micro_batch 1 × "
            "dp 3 = 3");
  EXPECT_EQ(error_of(replace(kBase, "pp: 2", "pp: 3")),
            "s.yaml:10:26: error: workload.parallel.pp: 8 layers do not split evenly over pp 3 × vpp 1 = 3 model chunks");
  EXPECT_EQ(error_of(replace(kBase, "global_batch: 8", "global_batch: 7")),
            "s.yaml:11:29: error: workload.training.global_batch: global batch 7 is not a multiple of micro_batch 1 × "
            "dp 2 = 2");
  EXPECT_EQ(error_of(replace(kBase, "tp: 4", "tp: 3")),
            "s.yaml:10:19: error: workload.parallel.tp: tp 3 must divide heads 16");
  const std::string chunks =
      error_of(replace(replace(kBase, "dp: 2", "dp: 2, vpp: 2"), "micro_batch: 1", "micro_batch: 1, schedule: 1f1b"));
  EXPECT_EQ(chunks, "s.yaml:10:41: error: workload.parallel.vpp: schedule '1f1b' runs one chunk per stage, but vpp = 2");
  EXPECT_EQ(error_of(replace(kBase, "micro_batch: 1", "micro_batch: 1, recompute: some")).substr(0, 60),
            "s.yaml:11:59: error: workload.training.recompute: unknown va");
  EXPECT_EQ(error_of(replace(kBase, "micro_batch: 1", "micro_batch: 1, zero_stage: 4")),
            "s.yaml:11:60: error: workload.training.zero_stage: must be 0, 1, 2 or 3, got 4");
  EXPECT_EQ(simulate_error(replace(kBase, "micro_batch: 1", "micro_batch: 1, offload: cpu")),
            "s.yaml:11:57: error: workload.training.offload: offload needs the host tier: name it in cluster.host (e.g. "
            "DGX-A100-host)");
  EXPECT_EQ(error_of(replace(kBase, "heads: 16", "heads: 16, kv_heads: 5")),
            "s.yaml:9:58: error: workload.model.kv_heads: must divide heads 16 (grouped-query attention), got 5");
  EXPECT_NE(error_of(replace(kBase, "tp: 4", "tp: 4, pipeline: 2")).find("unknown key 'pipeline'"), std::string::npos);
}

}  // namespace
}  // namespace orrery::training_test
