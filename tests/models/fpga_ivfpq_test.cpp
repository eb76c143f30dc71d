// FANNS's IVF-PQ stages and co-design (models/compute/fpga_ivfpq): each
// stage's cycles and resources against the FANNS artifact's performance-model
// output for SIFT100M on the U55C, the co-design against that output's choice
// and against a brute-force enumeration, the budget's errors.
#include <gtest/gtest.h>

#include <cmath>

#include "models/compute/fpga_ivfpq.hpp"
#include "sim/core/error.hpp"

namespace orrery::models {
namespace {

using R = FpgaResource;

// The U55C as FANNS's model counts it: XCU55C totals (the utilization
// percentages of the output below imply them: 647642.89 LUT = 49.678% of
// 1303680) and the shell (with-shell minus without-shell totals there).
FpgaBudget u55c(double utilization) {
  FpgaBudget b;
  b.total[R::kLut] = 1303680;
  b.total[R::kFf] = 2607360;
  b.total[R::kBram18k] = 4032;
  b.total[R::kUram] = 960;
  b.total[R::kDsp] = 9024;
  b.shell[R::kLut] = 282594;
  b.shell[R::kFf] = 489699;
  b.shell[R::kBram18k] = 794;
  b.utilization = utilization;
  b.max_hbm_channels = kFannsMaxHbmChannels;
  b.channel_capacity = Bytes(std::int64_t{512} << 20);
  b.channel_bandwidth = Bandwidth::bytes_per_s(14.375e9);
  b.clock = Frequency::hz(140e6);
  return b;
}

// WenqiJiang/SC-ANN-FPGA, FPGA_local/performance_model/config_outputs/
// U55C_SIFT100M_K10_R80_util_50_140MHz.yaml: OPQ16,IVF8192,PQ16, nprobe 17, top-10.
task::IvfPqSearch sift100m() {
  task::IvfPqSearch x;
  x.dim = 128;
  x.vectors = 100'000'000;
  x.nlist = 8192;
  x.nprobe = 17;
  x.m = 16;
  x.k = 10;
  x.opq = true;
  return x;
}

const IvfPqStage& only(const std::vector<IvfPqOption>& options, std::string_view config, std::size_t stage = 0) {
  for (const IvfPqOption& o : options)
    if (o.stages.at(stage).config == config) return o.stages.at(stage);
  ADD_FAILURE() << "no option " << config;
  return options.front().stages.front();
}

TEST(FpgaIvfPq, StagesMatchTheFannsModelOutput) {
  task::IvfPqSearch fixed = sift100m();
  fixed.opq_unroll = 4;
  fixed.ivf_pes = 9;
  fixed.cell_queues = 2;
  fixed.lut_pes = 6;
  fixed.scan_channels = 9;
  fixed.scan_pes = 27;
  const auto o = ivfpq_options(fixed, u55c(0.5));
  // Cycles per query and LUTs of each stage, as the output file lists them.
  EXPECT_DOUBLE_EQ(o[0].front().stages[0].cycles, 4373);
  EXPECT_DOUBLE_EQ(o[0].front().used[R::kLut], 2152);
  const IvfPqStage& ivf = only(o[1], "9 PEs, centroids on chip");
  EXPECT_DOUBLE_EQ(ivf.cycles, 14702);
  EXPECT_DOUBLE_EQ(ivf.used[R::kLut], 80688);
  EXPECT_DOUBLE_EQ(ivf.used[R::kUram], 144);
  EXPECT_DOUBLE_EQ(ivf.used[R::kDsp], 522);
  const IvfPqStage& cells = o[2].front().stages[0];
  EXPECT_DOUBLE_EQ(cells.cycles, 8219);
  EXPECT_NEAR(cells.used[R::kLut], 11313.99, 1e-6);
  const IvfPqStage& lut = only(o[3], "6 PEs, quantizers on chip");
  EXPECT_DOUBLE_EQ(lut.cycles, 12920);
  EXPECT_DOUBLE_EQ(lut.used[R::kLut], 45294);
  EXPECT_DOUBLE_EQ(lut.used[R::kUram], 176);
  EXPECT_DOUBLE_EQ(lut.used[R::kBram18k], 226);
  const IvfPqStage& scan = only(o[4], "9 HBM channels, 27 PEs");
  EXPECT_DOUBLE_EQ(scan.cycles, 14637);
  EXPECT_NEAR(scan.used[R::kLut], 147726, 1e-6);
  EXPECT_NEAR(scan.used[R::kFf], 158787, 1e-6);
  EXPECT_DOUBLE_EQ(scan.used[R::kHbmChannels], 9);
  const IvfPqStage& topk = only(o[4], "2 bitonic sort groups + queues", 1);
  EXPECT_DOUBLE_EQ(topk.cycles, 8738);
  EXPECT_NEAR(topk.used[R::kLut], 77874.9, 1e-6);
  EXPECT_NEAR(topk.used[R::kFf], 83156.7, 1e-6);
}

TEST(FpgaIvfPq, CodesignFindsTheFannsDesign) {
  // The output reports QPS 9522.51 = 140 MHz / 14702 cycles (IVFDist, 9 PEs)
  // as the best of its search at 50% utilization.
  const IvfPqPlan p = codesign(sift100m(), u55c(0.5));
  EXPECT_DOUBLE_EQ(p.qps, 140e6 / 14702);
  EXPECT_EQ(p.design.ivf_pes, 9);
  EXPECT_EQ(p.stages.at(p.bottleneck).name, "ivf_dist");
  EXPECT_EQ(p.design.opq_unroll, 4);
  EXPECT_EQ(p.design.cell_queues, 2);
  EXPECT_EQ(p.design.lut_pes, 6);
  EXPECT_EQ(p.design.scan_channels, 9);
  EXPECT_EQ(p.design.scan_pes, 27);
  for (int i = 0; i < kFpgaResourceCount; ++i) {
    const auto r = static_cast<R>(i);
    EXPECT_LE(p.used[r], u55c(0.5).limit(r)) << name_of(r);
  }
}

TEST(FpgaIvfPq, CodesignAtSixtyPercent) {
  // config_outputs/U55C_SIFT100M_K10_R80_util_60_140MHz.yaml: IVFDist 11 PEs,
  // BuildLUT 9, PQDist 12 channels / 36 PEs binding at 12,614 cycles: 11,099 QPS.
  const IvfPqPlan p = codesign(sift100m(), u55c(0.6));
  EXPECT_DOUBLE_EQ(p.qps, 140e6 / 12614);
  EXPECT_EQ(p.stages.at(p.bottleneck).name, "pq_dist");
  EXPECT_EQ(p.design.ivf_pes, 11);
  EXPECT_EQ(p.design.lut_pes, 9);
  EXPECT_EQ(p.design.scan_channels, 12);
  EXPECT_EQ(p.design.scan_pes, 36);
}

// Every combination of the options, for a small index (the search space is
// the product of the groups' sizes).
double brute_force(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const auto o = ivfpq_options(x, b);
  double best = 0;
  for (const auto& a : o[1])
    for (const auto& c : o[2])
      for (const auto& l : o[3])
        for (const auto& s : o[4]) {
          FpgaResources used = b.shell;
          used.add(a.used).add(c.used).add(l.used).add(s.used);
          bool ok = true;
          for (int i = 0; i < kFpgaResourceCount; ++i) {
            const auto r = static_cast<R>(i);
            const bool strict = r == R::kLut || r == R::kUram;
            ok = ok && (strict ? used[r] < b.limit(r) : used[r] <= b.limit(r));
          }
          if (ok) best = std::max(best, std::min({a.qps, c.qps, l.qps, s.qps}));
        }
  return best;
}

TEST(FpgaIvfPq, CodesignIsNotBeatenByEnumeration) {
  task::IvfPqSearch x;
  x.vectors = 10'000'000;
  x.nlist = 1024;
  x.nprobe = 8;
  x.opq = false;
  for (const double util : {0.3, 0.4, 0.6}) {
    const FpgaBudget b = u55c(util);
    const IvfPqPlan p = codesign(x, b);
    EXPECT_DOUBLE_EQ(p.qps, brute_force(x, b)) << util;
    for (int i = 0; i < kFpgaResourceCount; ++i) EXPECT_LE(p.used[static_cast<R>(i)], b.limit(static_cast<R>(i)));
  }
}

TEST(FpgaIvfPq, DesignOverBudgetNamesTheResource) {
  task::IvfPqSearch big = sift100m();
  big.ivf_pes = 16;
  big.lut_pes = 17;
  big.scan_channels = 12;
  big.scan_pes = 36;
  try {
    (void)codesign(big, u55c(0.5));
    FAIL() << "no error";
  } catch (const InfeasibleError& e) {
    EXPECT_NE(std::string(e.what()).find("LUT with the shell"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("50% of the card's 1303680"), std::string::npos) << e.what();
  }
  task::IvfPqSearch bad = sift100m();
  bad.ivf_pes = 17;
  EXPECT_THROW((void)codesign(bad, u55c(0.5)), ValueError);
  // A billion vectors need 45 channels of 512 MiB for their codes: over FANNS's 20.
  task::IvfPqSearch huge = sift100m();
  huge.vectors = 1'000'000'000;
  EXPECT_THROW((void)codesign(huge, u55c(0.5)), InfeasibleError);
}

TEST(FpgaIvfPq, BatchTimeIsFillPlusTheSlowestStage) {
  const FpgaBudget b = u55c(0.5);
  const IvfPqPlan p = codesign(sift100m(), b);
  double fill = 0;
  for (const auto& s : p.stages) fill += s.cycles;
  // (Σ cycles + (B − 1) · 14702) / 140 MHz.
  EXPECT_EQ(batch_time(p, b, 1), Duration::ns(static_cast<std::int64_t>(std::ceil(fill / 140e6 * 1e9 - 1e-6))));
  EXPECT_EQ(batch_time(p, b, 1001),
            Duration::ns(static_cast<std::int64_t>(std::ceil((fill + 1000 * 14702.0) / 140e6 * 1e9 - 1e-6))));
}

}  // namespace
}  // namespace orrery::models
