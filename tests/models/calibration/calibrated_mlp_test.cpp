// The tiny-MLP rows' basis (calibrated_efficiency.cpp, build_mlp): a fully
// fused MLP reads its input, runs its layers and writes its output, the layers
// and the I/O each at an efficiency of their own, so its basis variable is
// compute time + ρ × memory time (ρ fitted per group), and its depth is a
// coordinate of the grid, not a key. A row's `depth` counts the kernel's
// weight layers, input and output `width` wide unless given (table.cpp): a
// TinyMlp of depth − 1 hidden layers. Rows timed a + b·(compute + 2·memory) at
// 2 and 4 layers price 3 layers, which no row has, point counts between and
// beyond the rows, and an MLP of other input and output widths on that line;
// the expected times are that closed form from the roofline of the queried
// shape.
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

// `layers` weight layers of width 64, input and output 64 wide (as a row of that depth reads).
task::TinyMlp mlp_of(std::int64_t layers, std::int64_t points) {
  task::TinyMlp m;
  m.width = m.inputs = m.outputs = 64;
  m.depth = layers - 1;
  m.points = points;
  return m;
}

TEST(CalibratedMlp, DepthIsACoordinateAndTheLayersAddToTheInputAndOutput) {
  constexpr double kFloor = 1e-3, kSlope = 2.0, kRho = 2.0;  // s; time per basis second; ρ, on the ladder
  const auto device = mlp_test_device();
  const Rates rates(*device);
  const auto line = [&](const task::TinyMlp& m) {
    const Roofline rf = roofline(m, rates);
    return kFloor + kSlope * (rf.compute_time + kRho * rf.memory_time);
  };
  std::string rows = "mlp:\n";
  for (std::int64_t layers : {2, 4}) {
    for (std::int64_t points : {1 << 14, 1 << 18, 1 << 22}) {
      rows += fmt::format("  - {{ width: 64, depth: {}, points: {}, time: \"{:.6f} ns\" }}\n", layers, points,
                          line(mlp_of(layers, points)) * 1e9);
    }
  }
  const CalibrationTable table = parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\n" + rows,
      "t.yaml");
  ASSERT_EQ(table.mlp[0].shape.depth, 1);  // 2 layers: one hidden layer between the input's and the output's
  ASSERT_EQ(table.mlp[0].shape.inputs, 64);
  // The rows show the floor: 2^18 points at 2 layers have 16 times 2^14's work and take under twice its time.
  ASSERT_LE(table.mlp[1].time.seconds(), 2 * table.mlp[0].time.seconds());
  const CostModel model(device, &table);
  for (std::int64_t layers : {2, 3, 4}) {
    for (std::int64_t points : {1 << 13, 1 << 16, 1 << 20, 1 << 24}) {
      const double expected = line(mlp_of(layers, points));
      EXPECT_NEAR(model.cost(mlp_of(layers, points)).time.seconds(), expected, 1e-5 * expected)
          << layers << " layers, " << points << " points";
    }
  }
  // A NeRF-like MLP: 32 inputs, 16 outputs, 3 layers.
  task::TinyMlp nerf = mlp_of(3, 1 << 20);
  nerf.inputs = 32;
  nerf.outputs = 16;
  EXPECT_NEAR(model.cost(nerf).time.seconds(), line(nerf), 1e-5 * line(nerf));
}

}  // namespace
}  // namespace orrery::models
