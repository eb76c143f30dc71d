// Neural graphics processing clusters: encoding throughput is engines × clock
// × lookups per cycle while the level tables fit the engines' SRAM, and falls
// to the DRAM rate of the misses when they do not; the MLP engine takes
// ceil(in/64)·ceil(out/64) cycles per layer and point. Device figures: NGPC
// files (16 engines per NFP, 1 MiB SRAM each, 64×64 MACs, 1695 MHz assumed,
// 8 lookups per cycle assumed, 936 GB/s spill bandwidth).
#include <gtest/gtest.h>

#include <cmath>

#include "models/compute/ngpc.hpp"
#include "models/compute/roofline.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"

namespace orrery::models {
namespace {

NgpcModel ngpc(int scale) {
  return NgpcModel(DeviceCatalog(devices_dir()).load("NGPC-" + std::to_string(scale)));
}

task::HashGridEncoding grid(std::int64_t log2_table, std::int64_t points) {
  task::HashGridEncoding h;
  h.levels = 16;
  h.features = 2;
  h.log2_table = log2_table;
  h.points = points;
  h.dims = 3;
  return h;
}

TEST(Ngpc, EncodingThroughputIsEnginesTimesClockWhenTablesFit) {
  // 2^17 entries × 2 features × 2 B = 512 KiB per level: fits 1 MiB.
  const auto h = grid(17, 1 << 24);
  for (int scale : {8, 16, 32, 64}) {
    const NgpcModel m = ngpc(scale);
    EXPECT_DOUBLE_EQ(m.sram_hit_fraction(h), 1.0);
    const double lookups = scale * 16 * 1695e6 * 8;  // NFPs × engines × clock × lookups/cycle
    EXPECT_DOUBLE_EQ(m.lookups_per_s(), lookups);
    // 16 levels × 8 corners = 128 lookups per point.
    EXPECT_DOUBLE_EQ(m.encoded_points_per_s(h), lookups / 128);
    EXPECT_EQ(m.encoding_time(h),
              Duration::ns(static_cast<std::int64_t>(std::ceil((1 << 24) / (lookups / 128) * 1e9 - 1e-6))));
  }
  // Twice the NFPs, twice the rate.
  EXPECT_DOUBLE_EQ(ngpc(16).encoded_points_per_s(h), 2 * ngpc(8).encoded_points_per_s(h));
}

TEST(Ngpc, CoarseLevelsHoldOnlyTheirGridsVertices) {
  // tiny-cuda-nn's levels: ⌈16·1.5^l − 1⌉ + 1 vertices per side at base 16,
  // scale 1.5: 16, 24, 36, 54, 81 (⌈80.0⌉ + 1), 122 ... — cubed: 4096, 13824,
  // 46656, 157464, 531441, then above 2^19 = 524288, where hashing caps them.
  auto h = grid(19, 1 << 20);
  h.base_resolution = 16;
  h.per_level_scale = 1.5;
  EXPECT_DOUBLE_EQ(task::level_entries(h, 0), 4096);
  EXPECT_DOUBLE_EQ(task::level_entries(h, 1), 13824);
  EXPECT_DOUBLE_EQ(task::level_entries(h, 3), 157464);
  EXPECT_DOUBLE_EQ(task::level_entries(h, 4), 524288);  // 81³ = 531441 > 2^19
  h.encoding = task::GridEncoding::kDense;
  EXPECT_DOUBLE_EQ(task::level_entries(h, 4), 531441);  // a dense grid stores them all

  // NGPC: levels 0-3 fit the 1 MiB SRAM whole (157464 × 4 B = 615 KiB); the
  // 12 hashed levels (2 MiB each) spill 1 MiB each, of which the host's 6 MiB
  // L2 keeps 6; the other 6 hit their SRAM half the time: 6 × 8 × 1/2 = 24
  // DRAM lookups of 4 B per point, 936e9 / 96 points/s.
  h.encoding = task::GridEncoding::kHash;
  EXPECT_DOUBLE_EQ(ngpc(8).encoded_points_per_s(h), 936e9 / (24 * 4));
  EXPECT_FALSE(ngpc(8).fits_sram(h));
}

TEST(Ngpc, SimplexReadsDimsPlusOneVertices) {
  // Wen et al. 2023: a 3D simplex has 4 vertices to the cube's 8, so the
  // lookup-bound engines encode twice the points (tables that fit: 2^17).
  auto h = grid(17, 1 << 24);
  auto s = h;
  s.encoding = task::GridEncoding::kSimplex;
  EXPECT_EQ(task::corners_of(s), 4);
  EXPECT_DOUBLE_EQ(ngpc(8).encoded_points_per_s(s), 2 * ngpc(8).encoded_points_per_s(h));
  // Its work: 4 of 8 gathers, plus the 3 compare-swaps of the sort per level.
  const auto wh = task::work_of(h);
  const auto ws = task::work_of(s);
  const double gathers_h = (1 << 24) * 16.0 * 8 * 2 * 2;
  EXPECT_DOUBLE_EQ(wh.bytes - ws.bytes, gathers_h / 2);
  EXPECT_DOUBLE_EQ(ws.flops, (1 << 24) * 16.0 * (4 * 2 * 2 + 4 * 3 + 3));
}

TEST(Ngpc, TablesThatDoNotFitSpillToDram) {
  // 2^20 × 2 × 2 B = 4 MiB per level: a quarter of the lookups hit the 1 MiB
  // SRAM; the other 3 MiB of each level go to the RTX 3090's 6 MiB L2, which
  // keeps two levels' spills whole. The other 14 levels read DRAM for 3/4 of
  // their 8 corners: 84 lookups per point, one 4-byte entry (2 fp16
  // features) each, at 936 GB/s: 936e9 / (84 × 4) points/s, below the
  // engines' rate at every scale (NGPC-8: 8 × 1695e6 = 1.356e10).
  const auto h = grid(20, 1 << 24);
  const NgpcModel m = ngpc(8);
  EXPECT_DOUBLE_EQ(m.sram_hit_fraction(h), 0.25);
  EXPECT_EQ(m.dram_levels(h).size(), 14u);
  EXPECT_DOUBLE_EQ(m.encoded_points_per_s(h), 936e9 / (84 * 4));
  EXPECT_DOUBLE_EQ(ngpc(64).encoded_points_per_s(h),
                   m.encoded_points_per_s(h));  // DRAM-bound: scale does not help
}

TEST(Ngpc, MlpEngineCyclesAndFusion) {
  task::TinyMlp mlp;  // 32 → 64 → 64 → 16
  mlp.points = 1 << 24;
  const NgpcModel m = ngpc(8);
  EXPECT_EQ(m.mlp_cycles_per_point(mlp), 3);  // three layers, each within one 64×64 pass
  mlp.width = 128;                            // 32→128: 2 passes, 128→128: 4, 128→16: 2
  EXPECT_EQ(m.mlp_cycles_per_point(mlp), 8);
  mlp.width = 64;
  const double per_s = 8 * 1695e6 / 3;
  EXPECT_EQ(m.mlp_time(mlp),
            Duration::ns(static_cast<std::int64_t>(std::ceil((1 << 24) / per_s * 1e9 - 1e-6))));
  // Fused: the slower of encoding and MLP.
  const auto h = grid(17, 1 << 24);
  EXPECT_EQ(m.fused_time(h, mlp), std::max(m.encoding_time(h), m.mlp_time(mlp)));
}

TEST(Ngpc, GpuServesTheLevelsItsL2HoldsOnChip) {
  // RTX 3090, 6 MiB L2. Levels at base 16, scale 1.5, 2^19 entries of 4 B:
  // 4096, 13824, 46656, 157464 entries (0.87 MiB together), then 12 levels
  // of 2 MiB. Smallest first, 0.87 + 2 + 2 = 4.87 MiB fit and a third 2 MiB
  // level does not: 6 levels resident, 10 read from DRAM.
  const auto rtx = DeviceCatalog(devices_dir()).load("RTX-3090");
  auto h = grid(19, 1 << 20);
  h.base_resolution = 16;
  h.per_level_scale = 1.5;
  const Roofline rf = roofline(h, Rates(*rtx));
  const double gathers_per_level = (1 << 20) * 8.0 * 2 * 2;
  EXPECT_DOUBLE_EQ(rf.bytes, task::work_of(h).bytes - 6 * gathers_per_level);
  EXPECT_DOUBLE_EQ(rf.memory_time, rf.bytes / 936e9);
}

TEST(Ngpc, ComparesWithTheGpuCostModel) {
  const DeviceCatalog catalog(devices_dir());
  const CostModel gpu(catalog.load("RTX-3090"), nullptr);
  const auto h = grid(17, 1 << 22);
  task::TinyMlp mlp;
  mlp.points = 1 << 22;
  const NeuralFieldComparison c = compare(h, mlp, ngpc(8), gpu);
  EXPECT_EQ(c.gpu_total, c.gpu_encoding.time + c.gpu_mlp.time);
  EXPECT_EQ(c.ngpc_total, std::max(c.ngpc_encoding, c.ngpc_mlp));
  EXPECT_DOUBLE_EQ(c.speedup, c.gpu_total.seconds() / c.ngpc_total.seconds());
  EXPECT_FALSE(c.gpu_encoding.calibrated);  // no RTX 3090 hash-grid measurement ships
}

TEST(Ngpc, OnlyNgpcDevices) {
  EXPECT_THROW(NgpcModel(DeviceCatalog(devices_dir()).load("RTX-3090")), ValueError);
}

}  // namespace
}  // namespace orrery::models
