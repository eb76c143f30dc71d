// Gradient accumulation across micro-batches (`training.grad_accumulation`).
// Megatron-LM of 2021 (the SC21 runs: fp16, local DDP without contiguous
// buffers, or torch DDP) left it to PyTorch autograd: the first micro-batch's
// gradient is kept as produced (optimizer.zero_grad(set_to_none=True)), each
// later one added in place, param.grad += grad, reading two gradients and
// writing one. Megatron's contiguous buffer adds every micro-batch's 16-bit
// gradient into the main gradient (main_grad.add_). Since February 2022 the
// weight-gradient GEMM accumulates into the main gradient itself
// (gradient_accumulation_fusion): no kernel of its own.
//
// Expected times are the closed-form parameter count of a GPT (12h² + 13h per
// layer, the tied word embedding V·h, learned positions s·h, the final norm
// 2h; Megatron-LM's count) times the bytes each add moves, priced as one
// memory-bound kernel by the same device model.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <string>

#include "sim/run/simulation.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::grad_accumulation_test {
namespace {

using test::number;

constexpr std::int64_t kLayers = 2, kHidden = 1024, kVocab = 32000, kSeq = 1024;

// A GPT on one DGX A100 node, every GPU a whole replica (pp 1, dp 8):
// 4 micro-batches of one sequence per replica.
std::string scenario(const std::string& extra) {
  return test::a100(1,
                    fmt::format("layers: {}, hidden: {}, heads: 16, vocab: {}, seq_len: {}", kLayers, kHidden,
                                kVocab, kSeq),
                    "dp: 8", "global_batch: 32, micro_batch: 1" + extra);
}

constexpr double parameters() {
  const double h = kHidden;
  return kLayers * (12 * h * h + 13 * h) + static_cast<double>(kVocab) * h + static_cast<double>(kSeq) * h +
         2 * h;
}

// One add over every parameter, `bytes_per_parameter` moved each, as the A100's model prices it.
std::int64_t add_ns(double bytes_per_parameter) {
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, scenario(""), "s.yaml", {}, std::nullopt);
  const auto device = run::device_model(s.cluster);
  const auto bytes = static_cast<std::int64_t>(parameters() * bytes_per_parameter);
  return device->time(task::Elementwise{task::PointwiseKind::kElementwise, bytes, 0.5}).count();
}

double iteration_ns(const std::string& extra) {
  return number(test::run_text(scenario(extra)), "iteration_time_s") * 1e9;
}

// Device 0's span durations by name ("B", "W") and micro-batch.
std::map<std::pair<std::string, std::int32_t>, std::int64_t> durations(const run::RunOutput& r) {
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> out;
  const auto& names = r.recorder->names();
  for (const auto& s : r.recorder->spans()) {
    const std::string& name = names[static_cast<std::size_t>(s.name)];
    if (s.device == 0 && (name == "B" || name == "W")) out[{name, s.micro_batch}] = s.end - s.start;
  }
  return out;
}
std::map<std::pair<std::string, std::int32_t>, std::int64_t> durations_of(const std::string& extra) {
  return durations(test::run_text(scenario(extra)));
}

TEST(GradAccumulation, AutogradAddsEveryMicroBatchButTheFirst) {
  // bf16 gradients (param.grad has the parameters' type): 2 + 2 read, 2 written per parameter.
  const auto b = durations_of(", grad_accumulation: autograd");
  ASSERT_EQ(b.size(), 4u);
  for (std::int32_t mb = 1; mb < 4; ++mb) EXPECT_EQ(b.at({"B", mb}) - b.at({"B", 0}), add_ns(6)) << mb;
  // 59.0 M parameters (parameters()): 354 MB at ~1.7 TB/s, ~0.2 ms, far from a ns of rounding.
  EXPECT_GT(add_ns(6), 100'000);
}

TEST(GradAccumulation, MegatronsBufferAddsEveryMicroBatchIntoFp32) {
  // The 16-bit gradient read (2), the fp32 main gradient read and written (4 + 4); all 4 micro-batches,
  // against autograd's first, which adds nothing.
  const auto autograd = durations_of(", grad_accumulation: autograd");
  const auto buffer = durations_of(", grad_accumulation: buffer");
  for (std::int32_t mb = 0; mb < 4; ++mb)
    EXPECT_EQ(buffer.at({"B", mb}) - autograd.at({"B", 0}), add_ns(10)) << mb;
}

TEST(GradAccumulation, FusedWeightGradientGemmsAddIntoTheMainGradient) {
  // Every weight-gradient GEMM adds into the fp32 main gradient: per layer the
  // QKV (h × 3h), projection (h × h), fc1 (h × 4h) and fc2 (4h × h) weights
  // over the micro-batch's 1,024 tokens, and the output layer (h × V); each
  // costs what the device model asks of an accumulating GEMM over a plain one.
  const run::Catalog catalog;
  const auto device =
      run::device_model(run::parse_scenario(catalog, scenario(""), "s.yaml", {}, std::nullopt).cluster);
  const auto extra = [&](std::int64_t m, std::int64_t n) {
    return device->time(task::Gemm{m, n, kSeq, 1, task::DType::kBf16, task::DType::kFp32}).count() -
           device->time(task::Gemm{m, n, kSeq, 1, task::DType::kBf16}).count();
  };
  const std::int64_t h = kHidden;
  const std::int64_t per_layer = extra(h, 3 * h) + extra(h, h) + extra(h, 4 * h) + extra(4 * h, h);
  const std::int64_t expected = kLayers * per_layer + extra(h, kVocab);
  EXPECT_GT(extra(h, 4 * h), 0);
  const auto autograd = durations_of(", grad_accumulation: autograd");
  const auto fused = durations_of("");  // the default under kernels=megatron
  EXPECT_EQ(fused, durations_of(", grad_accumulation: fused"));
  for (std::int32_t mb = 0; mb < 4; ++mb)
    EXPECT_EQ(fused.at({"B", mb}) - autograd.at({"B", 0}), expected) << mb;
}

TEST(GradAccumulation, EagerPyTorchDefaultsToAutograd) {
  EXPECT_EQ(iteration_ns(", kernels: eager"), iteration_ns(", kernels: eager, grad_accumulation: autograd"));
  EXPECT_NE(iteration_ns(", kernels: eager, grad_accumulation: fused"), iteration_ns(", kernels: eager"));
}

TEST(GradAccumulation, UnderASplitBackwardTheWeightPassAdds) {
  // ZB-H1 on two stages: W computes the weight gradients, so the add rides on
  // W; B is untouched. Stage 0 holds a layer, the word and position embeddings.
  const std::string text = test::replace(
      test::replace(scenario(", schedule: zb_h1, grad_accumulation: autograd"), "dp: 8", "pp: 2, dp: 4"),
      "global_batch: 32", "global_batch: 16");
  const auto autograd = durations(test::run_text(text));
  const auto buffer = durations(test::run_text(test::replace(text, "autograd", "buffer")));
  ASSERT_EQ(autograd.size(), 8u);  // B and W of 4 micro-batches
  const double h = kHidden;
  const double stage0 = 12 * h * h + 13 * h + static_cast<double>(kVocab) * h + static_cast<double>(kSeq) * h;
  const run::Catalog catalog;
  const auto device =
      run::device_model(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt).cluster);
  const auto add = [&](double bytes_per_parameter) {
    const auto bytes = static_cast<std::int64_t>(stage0 * bytes_per_parameter);
    return device->time(task::Elementwise{task::PointwiseKind::kElementwise, bytes, 0.5}).count();
  };
  for (std::int32_t mb = 0; mb < 4; ++mb) {
    EXPECT_EQ(autograd.at({"B", mb}), buffer.at({"B", mb})) << mb;
    EXPECT_EQ(autograd.at({"W", mb}) - autograd.at({"W", 0}), mb == 0 ? 0 : add(6)) << mb;
    EXPECT_EQ(buffer.at({"W", mb}) - autograd.at({"W", 0}), add(10)) << mb;
  }
}

TEST(GradAccumulation, UnderZeroStage2TheRankAddsItsShard) {
  // ZeRO-2 reduce-scatters each micro-batch's gradients; a rank accumulates
  // the 1/dp shard it owns (P / 8 parameters here, 16-bit: 6 bytes each).
  const std::string text = scenario(", zero_stage: 2, grad_accumulation: autograd");
  const auto b = durations(test::run_text(text));
  const run::Catalog catalog;
  const auto device =
      run::device_model(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt).cluster);
  const auto shard = static_cast<std::int64_t>(parameters() / 8 * 6);
  const std::int64_t add =
      device->time(task::Elementwise{task::PointwiseKind::kElementwise, shard, 0.5}).count();
  for (std::int32_t mb = 1; mb < 4; ++mb) EXPECT_EQ(b.at({"B", mb}) - b.at({"B", 0}), add) << mb;
}

TEST(GradAccumulation, BadValueIsLocated) {
  EXPECT_EQ(
      test::error_of(scenario(", grad_accumulation: sometimes")),
      // line 12 of the text (it opens with a newline), column 68: the value
      "s.yaml:12:68: error: workload.training.grad_accumulation: unknown value 'sometimes'; valid: fused, "
      "buffer, autograd");
}

}  // namespace
}  // namespace orrery::grad_accumulation_test
