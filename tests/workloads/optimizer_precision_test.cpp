// The optimizer's precision: an fp32 master copy of the weights or none, and
// Adam's momentum and variance in fp32 or 16-bit (training.master_weights,
// training.optimizer_precision):
//  * the bytes one Adam step moves per parameter: states K (ZeRO's 12 =
//    4 master + 2 × 4), the gradient read, the 16-bit weight written (and read
//    when it is updated in place);
//  * the model-state memory a device holds: K·Ψ/N_d under ZeRO-1 (Rajbhandari
//    et al. SC20 §5.1 with K generalised), weights 2Ψ, gradients 2Ψ;
//  * bad values, located.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/scenario_support.hpp"
#include "workloads/training/training.hpp"

namespace orrery::optimizer_precision_test {
namespace {

namespace tr = workload::training;
using test::error_of;

TEST(OptimizerPrecision, AdamStepBytesPerParameter) {
  struct Case {
    bool master;
    task::DType states, grads;
    double read, written;
  };
  for (const Case& c : std::vector<Case>{
           {true, task::DType::kFp32, task::DType::kFp32, 12 + 4, 12 + 2},  // Megatron: fp32 main gradients
           {true, task::DType::kFp32, task::DType::kBf16, 12 + 2, 12 + 2},  // ZeRO: 16-bit gradients
           {false, task::DType::kBf16, task::DType::kBf16, 4 + 2 + 2, 4 + 2},  // bf16 weights and states, in place
           {true, task::DType::kBf16, task::DType::kFp32, 8 + 4, 8 + 2},
       }) {
    tr::TrainingParams p;
    p.master_weights = c.master;
    p.optimizer_precision = c.states;
    p.gradient_precision = c.grads;
    const task::OptimizerStep o = p.adam_step(1000);
    EXPECT_EQ(o.parameters, 1000);
    EXPECT_DOUBLE_EQ(o.bytes_read_per_parameter, c.read);
    EXPECT_DOUBLE_EQ(o.bytes_written_per_parameter, c.written);
  }
}

TEST(OptimizerPrecision, ModelStatesOfSixteenBitAdamInPlace) {
  // dp 8 on one node, ZeRO-1: weights 2Ψ, gradients 2Ψ, optimizer K·Ψ/8 with
  // K = 2 + 2 (bf16 momentum and variance, no master copy); Ψ as in
  // training_test.cpp: 12lh²(1 + 13/(12h) + (V+s)/(12lh)) + 2h.
  const double l = 4, h = 512, V = 1000, s = 256;
  const double psi = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h)) + 2 * h;
  const auto r = test::run_text(test::a100(
      1, fmt::format("layers: {}, hidden: {}, heads: 8, vocab: {}, seq_len: {}", l, h, V, s), "dp: 8",
      "global_batch: 8, zero_stage: 1, gradient_precision: bf16, master_weights: false, optimizer_precision: bf16"));
  const auto& row = r.recorder->memory()[0];
  const auto at = [&](task::MemoryCategory c) { return static_cast<double>(row.parts[static_cast<std::size_t>(c)]); };
  EXPECT_NEAR(at(task::MemoryCategory::kParameters), 2 * psi, 2);
  EXPECT_NEAR(at(task::MemoryCategory::kGradients), 2 * psi, 2);
  EXPECT_NEAR(at(task::MemoryCategory::kOptimizer), 4 * psi / 8, 2);
}

TEST(OptimizerPrecisionInvalid, BadValuesAreLocated) {
  const std::string base = test::kSmallTraining;
  EXPECT_EQ(error_of(test::replace(base, "global_batch: 8 }", "global_batch: 8, optimizer_precision: fp8 }")),
            "s.yaml:11:53: error: workload.training.optimizer_precision: unknown value 'fp8'; valid: fp32, bf16, fp16");
  EXPECT_EQ(error_of(test::replace(base, "global_batch: 8 }", "global_batch: 8, master_weights: yes please }")),
            "s.yaml:11:48: error: workload.training.master_weights: expected a boolean (true or false), found 'yes "
            "please'");
}

}  // namespace
}  // namespace orrery::optimizer_precision_test
