// A hash grid's calibrated time (calibrated_efficiency.cpp, hashgrid_gathers
// and hashgrid_variable): its gathers split by where each level's table sits,
// an L1 of l1_memory and an L2 of on_chip_memory holding the shares
// min(1, C/S) of a level of S bytes, and priced a + b·(L1 + r2·L2 + r3·DRAM
// gathers) with (a, b, r2, r3) fitted per group. Rows timed on that closed
// form, at table sizes on either side of each cache, give back its time at
// table sizes and point counts between them.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "models/calibration/table.hpp"
#include "models/compute/cost.hpp"
#include "sim/task/operation.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models {
namespace {

constexpr double kL1 = 256 * 1024;  // the device's l1_memory below
constexpr double kL2 = 50e6;        // its on_chip_memory
constexpr double kGridFloor = 40e-6;  // s
constexpr double kL1Gather = 1e-12; // s
constexpr double kL2Cost = 4;       // an L2 gather in L1 gathers: 2^(8/4), on the fit's ladder
constexpr double kDramCost = 16;    // a DRAM gather: 2^(16/4)

task::HashGridEncoding grid_of(std::int64_t log2_table, std::int64_t points) {
  task::HashGridEncoding h;
  h.levels = 16;
  h.features = 2;
  h.log2_table = log2_table;
  h.points = points;
  h.base_resolution = 16;  // orrery-calibrate's levels, the reader's default for rows
  h.per_level_scale = task::per_level_scale(16, 2048, 16);
  return h;
}

// The closed form, level by level: 8 gathers a point, of 2 fp16 features.
double closed_form(const task::HashGridEncoding& h) {
  double w = 0;
  for (std::int64_t l = 0; l < h.levels; ++l) {
    const double bytes = task::level_entries(h, l) * 4;
    const double l1 = std::min(1.0, kL1 / bytes);
    const double l2 = std::min(1.0, kL2 / bytes) - l1;
    w += 8 * static_cast<double>(h.points) * (l1 + kL2Cost * l2 + kDramCost * (1 - l1 - l2));
  }
  return kGridFloor + kL1Gather * w;
}

TEST(CalibratedHashGrid, TimesFollowWhereEachLevelsGathersAreServed) {
  const auto device = test::round_number_device(
      "0 ns", "on_chip_memory: { value: \"50 MB\", source: \"test\" }\n"
              "l1_memory: { value: \"256 KiB\", source: \"test\" }\n");
  std::string rows = "hashgrid:\n";
  // 2^14 entries: every level in the L1; 2^19: in the L2; 2^24 (64 MB a level): partly in DRAM.
  for (const std::int64_t t : {14, 19, 24}) {
    for (const std::int64_t p : {1 << 16, 1 << 18, 1 << 20, 1 << 22}) {
      rows += fmt::format("  - {{ levels: 16, features: 2, log2_table: {}, points: {}, time: \"{:.17g} s\" }}\n", t,
                          p, closed_form(grid_of(t, p)));
    }
  }
  const CalibrationTable table = parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\n" + rows,
      "t.yaml");
  const CostModel model(device, &table);
  // Between the rows: 2^16 entries (256 KiB a level, at the L1's size), 2^17
  // (half in the L1), 2^22 (16 MB, all in the L2); points between and beyond them.
  for (const std::int64_t t : {16, 17, 22}) {
    for (const std::int64_t p : {1 << 17, 1 << 21, 1 << 24}) {
      const task::HashGridEncoding h = grid_of(t, p);
      // To the nanosecond, the step the cost model and the table's times are rounded to.
      EXPECT_NEAR(model.cost(h).time.seconds(), closed_form(h), 1e-9) << t << " " << p;
    }
  }
}

}  // namespace
}  // namespace orrery::models
