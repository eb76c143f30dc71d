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
  return test::a100(1, fmt::format("layers: {}, hidden: {}, heads: 16, vocab: {}, seq_len: {}", kLayers, kHidden, kVocab, kSeq),
                    "dp: 8", "global_batch: 32, micro_batch: 1" + extra);
}

constexpr double parameters() {
  const double h = kHidden;
  return kLayers * (12 * h * h + 13 * h) + static_cast<double>(kVocab) * h + static_cast<double>(kSeq) * h + 2 * h;
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

TEST(GradAccumulation, AutogradAddsEveryMicroBatchButTheFirst) {
  const double fused = iteration_ns(", grad_accumulation: fused, gradient_precision: fp16");
  // fp16 gradients: 2 + 2 read, 2 written, per parameter; micro-batches 1, 2 and 3 of 4.
  const double autograd = iteration_ns(", grad_accumulation: autograd, gradient_precision: fp16");
  EXPECT_NEAR(autograd - fused, 3.0 * static_cast<double>(add_ns(6)), 2.0);
  EXPECT_GT(add_ns(6), 100'000);  // ~70 M parameters: far from rounding
}

TEST(GradAccumulation, MegatronsBufferAddsEveryMicroBatchIntoFp32) {
  const double fused = iteration_ns("");  // the default under kernels=megatron
  EXPECT_EQ(fused, iteration_ns(", grad_accumulation: fused"));
  // The 16-bit gradient read (2), the fp32 main gradient read and written (4 + 4); all 4 micro-batches.
  const double buffer = iteration_ns(", grad_accumulation: buffer");
  EXPECT_NEAR(buffer - fused, 4.0 * static_cast<double>(add_ns(10)), 2.0);
}

TEST(GradAccumulation, EagerPyTorchDefaultsToAutograd) {
  EXPECT_EQ(iteration_ns(", kernels: eager"), iteration_ns(", kernels: eager, grad_accumulation: autograd"));
  EXPECT_LT(iteration_ns(", kernels: eager, grad_accumulation: fused"), iteration_ns(", kernels: eager"));
}

TEST(GradAccumulation, OneMicroBatchNeedsNoAutogradAdd) {
  const auto one = [](const std::string& mode) {
    return number(test::run_text(test::replace(scenario(", grad_accumulation: " + mode), "global_batch: 32",
                                               "global_batch: 8")),
                  "iteration_time_s");
  };
  EXPECT_EQ(one("autograd"), one("fused"));
  EXPECT_GT(one("buffer"), one("fused"));
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

TEST(GradAccumulation, UnderASplitBackwardTheWeightPassAdds) {
  // ZB-H1 on two stages: W computes the weight gradients, so the add rides on
  // W; B is untouched. Stage 0 holds a layer, the word and position embeddings.
  const std::string text = test::replace(test::replace(scenario(", schedule: zb_h1, grad_accumulation: autograd"),
                                                       "dp: 8", "pp: 2, dp: 4"),
                                         "global_batch: 32", "global_batch: 16");
  const auto autograd = durations(test::run_text(text));
  const auto fused = durations(test::run_text(test::replace(text, "autograd", "fused")));
  ASSERT_EQ(autograd.size(), 8u);  // B and W of 4 micro-batches
  const double h = kHidden;
  const double stage0 = 12 * h * h + 13 * h + static_cast<double>(kVocab) * h + static_cast<double>(kSeq) * h;
  // fp32 gradients (the default precision): 4 + 4 read, 4 written.
  const std::int64_t add = [&] {
    const run::Catalog catalog;
    const auto device = run::device_model(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt).cluster);
    return device->time(task::Elementwise{task::PointwiseKind::kElementwise, static_cast<std::int64_t>(stage0 * 12), 0.5})
        .count();
  }();
  for (std::int32_t mb = 0; mb < 4; ++mb) {
    EXPECT_EQ(autograd.at({"B", mb}), fused.at({"B", mb})) << mb;
    EXPECT_EQ(autograd.at({"W", mb}) - fused.at({"W", mb}), mb == 0 ? 0 : add) << mb;
  }
}

TEST(GradAccumulation, UnderZeroStage2TheRankAddsItsShard) {
  // ZeRO-2 reduce-scatters each micro-batch's gradients; a rank accumulates
  // the 1/dp shard it owns (P / 8 parameters here, 16-bit: 6 bytes each).
  const std::string text = scenario(", zero_stage: 2, gradient_precision: fp16, grad_accumulation: autograd");
  const auto autograd = durations(test::run_text(text));
  const auto fused = durations(test::run_text(test::replace(text, "autograd", "fused")));
  const run::Catalog catalog;
  const auto device = run::device_model(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt).cluster);
  const auto shard = static_cast<std::int64_t>(parameters() / 8 * 6);
  const std::int64_t add = device->time(task::Elementwise{task::PointwiseKind::kElementwise, shard, 0.5}).count();
  EXPECT_EQ(autograd.at({"B", 0}), fused.at({"B", 0}));
  for (std::int32_t mb = 1; mb < 4; ++mb) EXPECT_EQ(autograd.at({"B", mb}) - fused.at({"B", mb}), add) << mb;
}

TEST(GradAccumulation, BadValueIsLocated) {
  EXPECT_EQ(test::error_of(scenario(", grad_accumulation: sometimes")),
            // line 12 of the text (it opens with a newline), column 68: the value
            "s.yaml:12:68: error: workload.training.grad_accumulation: unknown value 'sometimes'; valid: fused, "
            "buffer, autograd");
}

}  // namespace
}  // namespace orrery::grad_accumulation_test
