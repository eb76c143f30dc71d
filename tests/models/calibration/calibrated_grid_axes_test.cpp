// The coordinates the calibrated efficiency interpolates hash-grid and SpMM
// rows over (calibrated_efficiency.cpp): a hash grid's table by its entries,
// 2^log2_table, and an SpMM by its density nnz / (rows × cols). Between two
// measured nodes the efficiency is linear in log2 of the coordinate
// (log_grid.hpp), so the expected values are the means of the two rows'
// efficiencies at the midpoints written below, read back from the rows.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "models/calibration/table.hpp"
#include "models/compute/calibrated_efficiency.hpp"
#include "models/compute/cost.hpp"
#include "models/compute/roofline.hpp"
#include "models/devices/device.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models {
namespace {

CalibratedEfficiency grid_efficiency_of(const std::string& rows) {
  const CalibrationTable table = parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\n" + rows,
      "t.yaml");
  return CalibratedEfficiency(table, Rates(*test::round_number_device()));
}

task::HashGridEncoding hashgrid_of(std::int64_t log2_table) {
  task::HashGridEncoding h;
  h.levels = 16;
  h.features = 2;
  h.log2_table = log2_table;
  h.points = 1048576;
  return h;
}

// 2^16 entries lie halfway between 2^14 and 2^18 in log2 of the entries. In
// log2 of log2_table (what the grid took before) they lay 0.53 of the way.
TEST(CalibratedGridAxes, AHashGridTableIsInterpolatedByItsEntries) {
  const CalibratedEfficiency eff = grid_efficiency_of(R"(hashgrid:
  - { levels: 16, features: 2, log2_table: 14, points: 1048576, time: "100 us" }
  - { levels: 16, features: 2, log2_table: 18, points: 1048576, time: "300 us" }
)");
  const double small = eff.hashgrid(hashgrid_of(14))->efficiency;
  const double large = eff.hashgrid(hashgrid_of(18))->efficiency;
  EXPECT_NEAR(small / large, 3.0, 1e-12);  // one roofline, times 1 : 3
  EXPECT_NEAR(eff.hashgrid(hashgrid_of(16))->efficiency, (small + large) / 2, 1e-12 * small);
  EXPECT_NEAR(eff.hashgrid(hashgrid_of(16))->distance, 2.0, 1e-12);  // two octaves of entries from each row
}

// Hash-grid rows are orrery-calibrate's kernel, levels of resolution 16 to
// 2,048 (the reader's default), and a workload's encoding has per-level sizes
// too (base_resolution > 0). On a device with a 50 MB L2 the roofline takes
// the gathers of the levels the L2 holds as free, which the rows' times do not
// (their basis counts each level's gathers where its table sits: hashgrid_gathers). A query of a row's
// shape is priced at the row's time whether it gives the level sizes or not.
TEST(CalibratedGridAxes, AHashGridWithLevelSizesIsPricedAtItsRow) {
  const auto device = test::round_number_device("0 ns", "on_chip_memory: { value: \"50 MB\", source: \"test\" }\n");
  const CalibrationTable table = parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\nhashgrid:\n  - { levels: 16, features: 2, log2_table: 14, points: 1048576, time: "
      "\"100 us\" }\n  - { levels: 16, features: 2, log2_table: 18, points: 1048576, time: \"300 us\" }\n",
      "t.yaml");
  ASSERT_EQ(table.hashgrid[0].shape.base_resolution, 16);
  const CostModel model(device, &table);
  task::HashGridEncoding sized = hashgrid_of(14);
  sized.base_resolution = 16;
  sized.per_level_scale = std::exp(std::log(2048.0 / 16.0) / 15.0);
  // The roofline's on-chip rule does move this shape: every level fits the L2.
  ASSERT_LT(roofline(sized, Rates(*device)).memory_time, roofline(hashgrid_of(14), Rates(*device)).memory_time);
  EXPECT_NEAR(model.cost(sized).time.seconds(), 100e-6, 1e-12);
  EXPECT_NEAR(model.cost(hashgrid_of(14)).time.seconds(), 100e-6, 1e-12);
}

task::SparseShape spmm_of(std::int64_t rows, std::int64_t nnz) {
  task::SparseShape s;
  s.rows = s.cols = rows;
  s.nnz = nnz;
  s.n = 128;
  s.dtype = task::DType::kFp32;  // the test device has fp32 and bf16 peaks
  return s;
}

// An SpMM's time from its efficiency, which divides its roofline.
double spmm_time(const CalibratedEfficiency& eff, const task::SparseShape& s) {
  const Roofline rf = roofline(task::Spmm{s}, Rates(*test::round_number_device()));
  return std::max(rf.compute_time, rf.memory_time) / eff.spmm(s)->efficiency;
}

// Densities 1% and 10% at 4,096 and 16,384 rows, nnz rounded as a sweep's
// CSR generator rounds them (1% of 4096²: 167,772.16 → 167,772; of 16384²:
// 2,684,354.56 → 2,684,354). The two 1% densities differ in the seventh
// digit: each row's node, filled at the other's density, takes its own value
// to that digit. 8,192 rows at 1% lies halfway between them along rows.
// Over (rows, nnz, n), the grid before, the four rows had four nnz values,
// and 8,192 rows at 1% fell between 1% and 10% of 4,096 rows.
// The SpMM basis is nnz × max(n, knee) (build_spmm); at one n and without a
// floor (no row of 4 times another's nonzeros takes under twice its time) the
// grid holds nonzeros per second, and 8,192 rows at 1% takes the mean of the
// two 1% rows' rates.
TEST(CalibratedGridAxes, AnSpmmIsInterpolatedAtItsDensity) {
  const CalibratedEfficiency eff = grid_efficiency_of(R"(spmm:
  - { dtype: fp32, rows: 4096, cols: 4096, nnz: 167772, n: 128, time: "20 us" }
  - { dtype: fp32, rows: 4096, cols: 4096, nnz: 1677722, n: 128, time: "100 us" }
  - { dtype: fp32, rows: 16384, cols: 16384, nnz: 2684354, n: 128, time: "150 us" }
  - { dtype: fp32, rows: 16384, cols: 16384, nnz: 26843546, n: 128, time: "1300 us" }
)");
  EXPECT_NEAR(spmm_time(eff, spmm_of(4096, 167772)), 20e-6, 1e-12);  // a row: its own time
  const double rate = (167772 / 20e-6 + 2684354 / 150e-6) / 2;
  // 671,089 / 8192² is 1.5e-6 above the 4,096 row's density: a weight of
  // 6.5e-7 on the 10% nodes, hence the tolerance.
  EXPECT_NEAR(spmm_time(eff, spmm_of(8192, 671089)), 671089 / rate, 1e-5 * 671089 / rate);
  EXPECT_NEAR(eff.spmm(spmm_of(8192, 671089))->distance, 1.0, 1e-5);  // an octave of rows from each
}

// Rows timed a + b·nnz·max(n, κ) (κ = 128 on the knee ladder of build_spmm,
// a = 50 us, b = 0.5 ps): n = 16 and 64 cost what n = 128 costs, n = 1,024
// eight times its products. The fit finds the knee and the floor, so every
// shape of the group, measured or not, is priced at that closed form: n = 48
// (below the knee) and 256 (above), and nnz between and beyond the rows.
TEST(CalibratedGridAxes, AnSpmmKneeAndFloorArePricedOnTheirLine) {
  constexpr double kA = 50e-6, kB = 0.5e-12, kKnee = 128;
  const auto line = [&](double nnz, double n) { return kA + kB * nnz * std::max(n, kKnee); };
  std::string rows = "spmm:\n";
  for (std::int64_t nnz : {100000, 1000000, 10000000}) {
    for (std::int64_t n : {16, 64, 128, 1024}) {
      rows += fmt::format("  - {{ dtype: fp32, rows: 16384, cols: 16384, nnz: {}, n: {}, time: \"{:.6f} ns\" }}\n", nnz,
                          n, line(static_cast<double>(nnz), static_cast<double>(n)) * 1e9);
    }
  }
  const CalibratedEfficiency eff = grid_efficiency_of(rows);
  for (std::int64_t nnz : {100000, 3000000, 10000000, 30000000}) {
    for (std::int64_t n : {48, 128, 256, 1024}) {
      task::SparseShape s = spmm_of(16384, nnz);
      s.n = n;
      const double expected = line(static_cast<double>(nnz), static_cast<double>(n));
      EXPECT_NEAR(spmm_time(eff, s), expected, 1e-6 * expected) << "nnz " << nnz << ", n " << n;
    }
  }
}

// The spmm rows are cuSPARSE's CSR kernel (block 1 × 1, table.cpp reads them
// so): a query of that block takes the row's time; an fp16 query of the
// default block (FlashSparse's 8 × 1 on the tensor cores, spmm_padding.hpp)
// is another kernel, priced uncalibrated: its padded roofline at the device's
// default efficiencies (0.5 compute, 0.8 memory; the table has no memory rows).
TEST(CalibratedGridAxes, SpmmRowsPriceTheCsrKernelOnly) {
  const auto device = test::round_number_device("0 ns", "peak_fp16: { value: \"100 TFLOP/s\", source: \"test\" }\n");
  const CalibrationTable table = parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-06\" }\nspmm:\n  - { dtype: fp16, rows: 16384, cols: 16384, nnz: 2684354, n: 128, time: \"100 us\" }\n",
      "t.yaml");
  const CostModel model(device, &table);
  task::Spmm csr;
  csr.rows = csr.cols = 16384;
  csr.nnz = 2684354;
  csr.n = 128;
  csr.dtype = task::DType::kFp16;
  csr.block_rows = csr.block_cols = 1;
  EXPECT_NEAR(model.cost(csr).time.seconds(), 100e-6, 1e-12);
  EXPECT_TRUE(model.cost(csr).calibrated);
  task::Spmm blocked = csr;
  blocked.block_rows = blocked.block_cols = 0;  // the dtype's default block
  const Roofline rf = roofline(blocked, Rates(*device));
  const double expected = std::max(rf.compute_time / 0.5, rf.memory_time / 0.8);
  EXPECT_NEAR(model.cost(blocked).time.seconds(), expected, 1e-9 + 1e-9 * expected);
  EXPECT_FALSE(model.cost(blocked).calibrated);
}

}  // namespace
}  // namespace orrery::models
