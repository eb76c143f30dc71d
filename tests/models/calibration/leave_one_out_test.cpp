// Leave-one-out checks of a calibration table (`orrery cost DEVICE
// --leave-one-out`): each row predicted from the rest of its family. On the
// round-number test device (bf16 100 TFLOP/s, 1 TB/s, 2 µs launch overhead,
// which the check takes off the prediction), three compute-bound GEMMs along
// m, n = k = 4096, each efficiency the roofline time 2·m·n·k / 100 TFLOP/s over
// the measured time:
//  * the middle row is predicted at the mean of its neighbours' efficiencies
//    (halfway between them in log2 m), one octave from each;
//  * an end row takes its neighbour's efficiency (no extrapolation);
//  * an fp16 row alone in its dtype has nothing to predict it: counted apart.
#include <gtest/gtest.h>

#include "models/calibration/leave_one_out.hpp"
#include "models/calibration/table.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models {
namespace {

constexpr const char* kLeaveOneOutTable = R"(format: orrery-calibration/1
device: TEST-GPU
provenance: { kind: measured, gpu: "test", date: "2026-12-05" }
gemm:
  - { dtype: bf16, m: 1024, n: 4096, k: 4096, batch: 1, time: "800 us" }
  - { dtype: bf16, m: 2048, n: 4096, k: 4096, batch: 1, time: "1000 us" }
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "1600 us" }
  - { dtype: fp16, m: 4096, n: 4096, k: 4096, batch: 1, time: "2000 us" }
)";

TEST(LeaveOneOut, EachRowFromItsNeighbours) {
  const CalibrationTable table = parse_calibration_table(kLeaveOneOutTable, "t.yaml");
  const LeaveOneOut loo = leave_one_out(table, test::round_number_device("2 us"));
  ASSERT_EQ(loo.rows.size(), 3U);
  const auto roofline = [](double m) { return 2 * m * 4096 * 4096 / 100e12; };
  const double e1 = roofline(1024) / 800e-6, e2 = roofline(2048) / 1000e-6, e3 = roofline(4096) / 1600e-6;
  // Row order: as the table gives them.
  EXPECT_NEAR(loo.rows[0].predicted_s, roofline(1024) / e2, 1e-9);
  EXPECT_NEAR(loo.rows[1].predicted_s, roofline(2048) / ((e1 + e3) / 2), 1e-9);
  EXPECT_NEAR(loo.rows[2].predicted_s, roofline(4096) / e2, 1e-9);
  for (const LeaveOneOutRow& r : loo.rows) {
    EXPECT_EQ(r.family, "gemm bf16");
    EXPECT_DOUBLE_EQ(r.distance, 1.0);  // one octave of m from the nearest remaining row
  }
  ASSERT_EQ(loo.alone.size(), 1U);
  EXPECT_EQ(loo.alone[0], (std::pair<std::string, int>{"gemm fp16", 1}));

  const std::vector<LeaveOneOutSummary> s = summarize(loo);
  ASSERT_EQ(s.size(), 2U);
  EXPECT_EQ(s[0].family, "gemm bf16");
  EXPECT_EQ(s[0].rows, 3);
  EXPECT_EQ(s[0].near_rows, 3);  // distance 1 is not past kFarCalibration
  std::vector<double> errors;
  for (const LeaveOneOutRow& r : loo.rows) errors.push_back(std::fabs(r.error()));
  std::sort(errors.begin(), errors.end());
  EXPECT_DOUBLE_EQ(s[0].median, errors[1]);
  EXPECT_DOUBLE_EQ(s[0].max, errors[2]);
  EXPECT_EQ(s[1].family, "gemm fp16");
  EXPECT_EQ(s[1].rows, 0);
  EXPECT_EQ(s[1].alone, 1);
}

}  // namespace
}  // namespace orrery::models
