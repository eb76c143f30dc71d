// The floor a calibration group's rows show (calibrated_efficiency.cpp,
// fit_basis): rows whose times are a + b·w (w the roofline time) are priced
// a + b·w at every shape of the group — between the rows, below the smallest
// and above the largest — when some row of 4 times another's work takes at
// most twice its time; without such rows, or for fused attention, the grid
// interpolates the efficiency itself (the proportional basis). Each expected
// time is that closed form, with w from the roofline of the queried shape.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/calibration/table.hpp"
#include "models/compute/cost.hpp"
#include "models/compute/roofline.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models {
namespace {

constexpr double kFloorTime = 5e-6;  // s
constexpr double kFloorSlope = 1.25;

CalibrationTable floor_table_of(const std::string& rows) {
  return parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\n" + rows,
      "t.yaml");
}

task::Gemm floor_cube(std::int64_t n) { return task::Gemm{n, n, n, 1, task::DType::kBf16}; }

double floor_roofline_time(const task::Operation& op, const Rates& rates) {
  const Roofline rf = roofline(op, rates);
  return std::max(rf.compute_time, rf.memory_time);
}

// Square bf16 GEMMs of 256..4,096 timed a + b·w, to the ns.
std::string floor_affine_gemm_rows(const Rates& rates) {
  std::string text = "gemm:\n";
  for (std::int64_t n : {256, 512, 1024, 2048, 4096}) {
    const double t = kFloorTime + kFloorSlope * floor_roofline_time(floor_cube(n), rates);
    text += fmt::format("  - {{ dtype: bf16, m: {0}, n: {0}, k: {0}, batch: 1, time: \"{1} ns\" }}\n", n,
                        std::llround(t * 1e9));
  }
  return text;
}

TEST(CalibratedFloor, RowsOnAFloorLinePriceEveryShapeOnIt) {
  const auto device = test::round_number_device();
  const Rates rates(*device);
  const CalibrationTable table = floor_table_of(floor_affine_gemm_rows(rates));
  // The rows show the floor: 512³ has 8 times 256³'s FLOPs (and 4 times its
  // bytes: the roofline takes the larger) and takes under twice its time.
  ASSERT_LE(table.gemm[1].time.seconds(), 2 * table.gemm[0].time.seconds());
  const CostModel model(device, &table);
  for (std::int64_t n : {128, 362, 724, 1448, 3000, 8192, 16384}) {  // below, between, above the rows
    const double expected = kFloorTime + kFloorSlope * floor_roofline_time(floor_cube(n), rates);
    EXPECT_NEAR(model.cost(floor_cube(n)).time.seconds(), expected, 1e-3 * expected) << "m = n = k = " << n;
  }
  // Against the proportional basis, which priced 128³ at 256³'s efficiency:
  // about 1/8 of the 256³ row's time, where the floor alone is 5 us.
  EXPECT_GT(model.cost(floor_cube(128)).time.seconds(), kFloorTime);
}

// Two rows 64 times apart in work whose times are 20 times apart show no
// floor: the grid interpolates the efficiency, so 2,048³, halfway in log2 of
// m, n and k, takes the mean of the two rows' efficiencies.
TEST(CalibratedFloor, WithoutAFloorTheEfficiencyIsInterpolated) {
  const auto device = test::round_number_device();
  const Rates rates(*device);
  const CalibrationTable table = floor_table_of(R"(gemm:
  - { dtype: bf16, m: 1024, n: 1024, k: 1024, batch: 1, time: "50 us" }
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "1000 us" }
)");
  const CostModel model(device, &table);
  const double e_small = floor_roofline_time(floor_cube(1024), rates) / 50e-6;
  const double e_large = floor_roofline_time(floor_cube(4096), rates) / 1000e-6;
  const double expected = floor_roofline_time(floor_cube(2048), rates) / ((e_small + e_large) / 2);
  EXPECT_NEAR(model.cost(floor_cube(2048)).time.seconds(), expected, 1e-9 + 1e-9 * expected);
}

// Fused attention's grid is (seq, head_dim): batch and heads scale the work
// at one grid point, so a floor fitted over rows of one batch would price a
// batch-1 kernel at about the floor. Rows exactly a + b·w, with a flat pair,
// still price a smaller batch at the row's efficiency: w × (row time / row w).
TEST(CalibratedFloor, FusedAttentionKeepsTheProportionalBasis) {
  const auto device = test::round_number_device();
  const Rates rates(*device);
  const auto attention = [](std::int64_t batch, std::int64_t seq) {
    return task::Attention{batch, 16, 16, seq, 128, false, task::DType::kBf16, false};
  };
  const auto compute_time = [&](const task::Attention& a) { return roofline(a, rates).compute_time; };
  std::string text = "attention:\n";
  std::vector<double> times;
  for (std::int64_t seq : {512, 1024, 2048, 4096}) {
    const double t = kFloorTime * 400 + kFloorSlope * compute_time(attention(8, seq));
    times.push_back(std::round(t * 1e9) * 1e-9);
    text += fmt::format(
        "  - {{ dtype: bf16, batch: 8, heads: 16, kv_heads: 16, seq: {}, head_dim: 128, causal: false, pass: "
        "forward, backend: cudnn, time: \"{} ns\" }}\n",
        seq, std::llround(t * 1e9));
  }
  ASSERT_LE(times[1], 2 * times[0]);  // a flat pair: twice the sequence, 4 times the FLOPs
  const CalibrationTable table = floor_table_of(text);
  const CostModel model(device, &table);
  const task::Attention one = attention(1, 512);
  const double expected = compute_time(one) * times[0] / compute_time(attention(8, 512));
  EXPECT_NEAR(model.cost(one).time.seconds(), expected, 1e-9 * expected + 1e-9);
}

}  // namespace
}  // namespace orrery::models
