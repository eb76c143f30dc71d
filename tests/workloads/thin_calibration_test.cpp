// How much of a prediction stands on calibration: the summary's
// uncalibrated_time_fraction (the share of the priced compute time from
// operations no calibration row covers), far_calibration_time_fraction (from
// rows more than kFarCalibration, a factor of 2, from the operation's shape)
// and the run's warning when the two together pass kThinCalibration.
//  * V100-SXM2-32GB (fp16) has no calibration table: every operation is priced at the
//    default efficiencies, so the share is exactly 1 (the same integer
//    nanoseconds on both sides) and the run warns;
//  * the A100 table covers GEMMs and memory-bound kernels but not flash
//    attention (models/calibration/tables): the uncalibrated share is above
//    0 and below 1/2; but its GEMM rows are square (512³ to 8,192³) and its
//    memory rows move 1 GiB, far from a small model's rectangular GEMMs and
//    kernels of a few MB: the far share passes 1/2 and the run warns;
//  * the H200 measured table's sweeps (m from 1 to 16,384 against 25 (n, k)
//    pairs) hold a 4,096-wide GPT's GEMMs at measured nodes: little is far,
//    and the run says nothing;
//  * the H100's own table has three GEMM rows (two bf16 best shapes of a
//    search, 6144×17920×2816 and 2048×2048×13312, and one fp8): given alone
//    (`calibration:` its file), a 1.3B GPT's GEMMs (8,192 tokens against
//    2,048-wide weights) are far from both, so most of the time is far and the
//    run warns; by default the H100 is priced from its calibration sibling's,
//    the H200's, measured sweeps (models/compute/cost.hpp), and says nothing;
//  * serving warns after its run, on what its iterations priced: Llama-3-8B
//    on one A100 stands on the square GEMM rows (far), on one H200 on the
//    measured sweeps (not);
//  * a profiled run prices nothing: no share, no warning.
#include <gtest/gtest.h>

#include "models/data_dir.hpp"
#include "tests/support/scenario_support.hpp"
#include "workloads/training/training.hpp"

namespace orrery::thin_calibration_test {
namespace {

using test::number;

const std::string kModel = "layers: 4, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024";

TEST(ThinCalibration, NoTableMeansEveryNanosecondIsUncalibratedAndTheRunWarns) {
  const auto r = test::run_text(
      test::replace(test::a100(1, kModel, "tp: 8", "global_batch: 8, precision: fp16"), "A100-SXM4-80GB", "V100-SXM2-32GB"));
  EXPECT_EQ(number(r, "uncalibrated_time_fraction"), 1.0);
  EXPECT_EQ(number(r, "far_calibration_time_fraction"), 0.0);
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_TRUE(r.warnings[0].starts_with(
      "100% of the predicted compute time stands on thin calibration: 100% from operations that no calibration row "
      "of V100-SXM2-32GB covers"))
      << r.warnings[0];
}

TEST(ThinCalibration, TheA100TableCoversMostOperationsButFromFarShapes) {
  const auto r = test::run_text(test::a100(1, kModel, "tp: 8", "global_batch: 8"));
  const double share = number(r, "uncalibrated_time_fraction");
  EXPECT_GT(share, 0.0);  // flash attention has no rows
  EXPECT_LT(share, workload::training::kThinCalibration);
  EXPECT_GT(number(r, "far_calibration_time_fraction"), workload::training::kThinCalibration);
  EXPECT_EQ(r.warnings.size(), 1U);
}

TEST(ThinCalibration, TheH200SweepsHoldAGptsGemms) {
  const auto r = test::run_text(test::replace(
      test::a100(1, "layers: 2, hidden: 4096, heads: 32, vocab: 32768, seq_len: 1024", "tp: 1, dp: 8",
                 "global_batch: 8, check_memory: false"),
      "A100-SXM4-80GB", "H200-SXM-141GB"));
  EXPECT_LT(number(r, "far_calibration_time_fraction") + number(r, "uncalibrated_time_fraction"),
            workload::training::kThinCalibration);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ThinCalibration, TheH100TablesThreeRowsAreFarFromAGptsShapesItsSiblingsAreNot) {
  const std::string gpt = test::a100(1, "preset: gpt3-1.3b", "tp: 1, dp: 8",
                                     "global_batch: 64, micro_batch: 8, check_memory: false");
  const auto own =
      test::run_text(test::replace(gpt, "device: A100-SXM4-80GB",
                                   "device: H100-SXM5-80GB\n  calibration: \"" +
                                       models::calibration_tables_dir() + "/H100-SXM5-80GB.yaml\""));
  const double far = number(own, "far_calibration_time_fraction");
  EXPECT_GT(far + number(own, "uncalibrated_time_fraction"), workload::training::kThinCalibration);
  EXPECT_GT(far, 0.0);
  ASSERT_EQ(own.warnings.size(), 1U);
  EXPECT_NE(own.warnings[0].find("far_calibration_time_fraction"), std::string::npos) << own.warnings[0];
  const auto sibling = test::run_text(test::replace(gpt, "A100-SXM4-80GB", "H100-SXM5-80GB"));
  EXPECT_LT(number(sibling, "far_calibration_time_fraction") + number(sibling, "uncalibrated_time_fraction"),
            workload::training::kThinCalibration);
  EXPECT_TRUE(sibling.warnings.empty());
}

std::string serving(const std::string& device) {
  return R"(
cluster:
  device: )" + device + R"(
  nodes: 1
  node: { kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nics: 8, nic_bandwidth: "200 Gb/s" }
network: { model: analytic }
workload:
  kind: serving
  model: { preset: llama3-8b }
  placement: { tp: 1 }
  requests: { arrival: poisson, rate: 5, count: 40, prompt: { kind: fixed, tokens: 512 }, output: { kind: fixed, tokens: 32 } }
)";
}

TEST(ThinCalibration, ServingWarnsAfterItsRun) {
  const auto a100 = test::run_text(serving("A100-SXM4-80GB"));
  EXPECT_GT(number(a100, "far_calibration_time_fraction") + number(a100, "uncalibrated_time_fraction"),
            workload::training::kThinCalibration);
  ASSERT_EQ(a100.warnings.size(), 1U);
  EXPECT_NE(a100.warnings[0].find("A100-SXM4-80GB"), std::string::npos) << a100.warnings[0];
  const auto h200 = test::run_text(serving("H200-SXM-141GB"));
  EXPECT_LT(number(h200, "far_calibration_time_fraction") + number(h200, "uncalibrated_time_fraction"),
            workload::training::kThinCalibration);
  EXPECT_TRUE(h200.warnings.empty());
}

TEST(ThinCalibration, ProfiledRunsPriceNothing) {
  const auto r = test::run_text(R"(
cluster: { nodes: 2, scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "0 ns" } }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 4, hidden: 64, heads: 1, vocab: 64, seq_len: 64 }
  parallel: { pp: 2 }
  training: { global_batch: 4 }
  compute: { model: profiled, forward: "1 ms", backward: "2 ms" }
)");
  EXPECT_EQ(r.recorder->summary().find("uncalibrated_time_fraction"), nullptr);
  EXPECT_EQ(r.recorder->summary().find("far_calibration_time_fraction"), nullptr);
  EXPECT_TRUE(r.warnings.empty());
}

}  // namespace
}  // namespace orrery::thin_calibration_test
