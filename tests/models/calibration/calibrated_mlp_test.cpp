// The tiny-MLP rows' basis (calibrated_efficiency.cpp, build_mlp): a fully
// fused MLP reads its input, runs its layers, and writes its output one after
// the other, so its reference is the compute time plus the memory time, and
// depth is a coordinate of the grid, not a key. Rows timed a + b·(compute +
// memory) at depths 2 and 4 price depth 3, which no row has, and point counts
// between and beyond the rows, on that line; the expected times are that
// closed form from the roofline of the queried shape.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <string>

#include "models/calibration/table.hpp"
#include "models/compute/cost.hpp"
#include "models/compute/roofline.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models {
namespace {

// Round numbers, with the fp16 peak the MLP runs at.
std::shared_ptr<const Device> mlp_test_device() {
  return test::round_number_device("0 ns", "peak_fp16: { value: \"100 TFLOP/s\", source: \"test\" }\n");
}

task::TinyMlp mlp_of(std::int64_t depth, std::int64_t points) {
  task::TinyMlp m;
  m.width = 64;
  m.depth = depth;
  m.points = points;
  return m;
}

TEST(CalibratedMlp, DepthIsACoordinateAndTheLayersAddToTheInputAndOutput) {
  constexpr double kFloor = 1e-3, kSlope = 2.0;  // s, and time per reference second
  const auto device = mlp_test_device();
  const Rates rates(*device);
  const auto line = [&](const task::TinyMlp& m) {
    const Roofline rf = roofline(m, rates);
    return kFloor + kSlope * (rf.compute_time + rf.memory_time);
  };
  std::string rows = "mlp:\n";
  for (std::int64_t depth : {2, 4}) {
    for (std::int64_t points : {1 << 14, 1 << 18, 1 << 22}) {
      rows += fmt::format("  - {{ width: 64, depth: {}, points: {}, time: \"{:.6f} ns\" }}\n", depth, points,
                          line(mlp_of(depth, points)) * 1e9);
    }
  }
  const CalibrationTable table = parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\n" + rows,
      "t.yaml");
  // The rows show the floor: 2^18 points at depth 2 have 16 times 2^14's work and take under twice its time.
  ASSERT_LE(table.mlp[1].time.seconds(), 2 * table.mlp[0].time.seconds());
  const CostModel model(device, &table);
  for (std::int64_t depth : {2, 3, 4}) {
    for (std::int64_t points : {1 << 13, 1 << 16, 1 << 20, 1 << 24}) {
      const double expected = line(mlp_of(depth, points));
      EXPECT_NEAR(model.cost(mlp_of(depth, points)).time.seconds(), expected, 1e-5 * expected)
          << "depth " << depth << ", " << points << " points";
    }
  }
}

}  // namespace
}  // namespace orrery::models
