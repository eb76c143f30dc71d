// How much of a prediction stands on calibration: the summary's
// uncalibrated_time_fraction (the share of the priced compute time from
// operations no calibration row covers) and the run's warning above
// kThinCalibration.
//  * V100-SXM2-32GB (fp16) has no calibration table: every operation is priced at the
//    default efficiencies, so the share is exactly 1 (the same integer
//    nanoseconds on both sides) and the run warns;
//  * the A100 table covers GEMMs and memory-bound kernels but not flash
//    attention (models/calibration/tables): the share is above 0, below 1/2,
//    and the run says nothing;
//  * a profiled run prices nothing: no share, no warning.
#include <gtest/gtest.h>

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
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_TRUE(r.warnings[0].starts_with(
      "100% of the predicted compute time comes from operations that no calibration row of V100-SXM2-32GB covers"))
      << r.warnings[0];
}

TEST(ThinCalibration, TheA100TableCoversMostOfTheTime) {
  const auto r = test::run_text(test::a100(1, kModel, "tp: 8", "global_batch: 8"));
  const double share = number(r, "uncalibrated_time_fraction");
  EXPECT_GT(share, 0.0);  // flash attention has no rows
  EXPECT_LT(share, workload::training::kThinCalibration);
  EXPECT_TRUE(r.warnings.empty());
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
  EXPECT_TRUE(r.warnings.empty());
}

}  // namespace
}  // namespace orrery::thin_calibration_test
