// FPGA dataflow pipelines: throughput is the slowest stage's rate
// (clock × lanes ÷ II, or channels × channel bandwidth ÷ bytes per item),
// latency the fill time Σ depth ÷ clock plus items ÷ throughput.
#include <gtest/gtest.h>

#include "models/compute/fpga_dataflow.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"

namespace orrery::models {
namespace {

std::shared_ptr<const Device> u55c() {
  return DeviceCatalog(devices_dir()).load("Alveo-U55C");
}

DataflowStage stage(std::string name, double ii, std::int64_t lanes = 1, std::int64_t depth = 1) {
  DataflowStage s;
  s.name = std::move(name);
  s.clock = Frequency::hz(140e6);
  s.initiation_interval = ii;
  s.lanes = lanes;
  s.depth = depth;
  return s;
}

TEST(FpgaDataflow, ThroughputIsTheSlowestStage) {
  // A FANNS design for SIFT100M on the U55C at 140 MHz (the FANNS artifact's
  // performance model, WenqiJiang/SC-ANN-FPGA, performance_model/config_outputs/
  // U55C_SIFT100M_K10_R80_util_50_140MHz.yaml), with queries as items and each
  // stage's cycles per query as its II: OPQ 4373, IVFDist 14702, SelCells
  // 8219, BuildLUT 12920, PQDist 14637, SelK 8738. The model there reports
  // 9522.51 QPS = 140e6 / 14702, the IVFDist stage's rate.
  const std::vector<DataflowStage> stages{stage("opq", 4373),          stage("ivf_dist", 14702),
                                          stage("select_cells", 8219), stage("build_lut", 12920),
                                          stage("pq_dist", 14637),     stage("select_k", 8738)};
  const DataflowPipeline p(stages, *u55c());
  EXPECT_EQ(p.bottleneck(), 1u);
  EXPECT_DOUBLE_EQ(p.throughput(), 140e6 / 14702);
  EXPECT_NEAR(p.throughput(), 9522.51, 0.01);
  for (std::size_t i = 0; i < stages.size(); ++i) EXPECT_GE(p.rate(i).items_per_s, p.throughput());
}

TEST(FpgaDataflow, LanesAndHbmChannels) {
  // 27 PEs at II 1 and 140 MHz compute 3.78e9 codes/s; 9 HBM channels of
  // 14.375 GB/s (UG1393) deliver 129.375 GB/s, i.e. 8.086e9 16-byte PQ codes/s:
  // compute-bound. With 64-byte items the channels bind: 2.021e9 items/s.
  DataflowStage scan = stage("pq_dist", 1, 27, 30);
  scan.hbm_channels = 9;
  scan.hbm_bytes_per_item = 16;
  const DataflowPipeline compute_bound({scan}, *u55c());
  EXPECT_DOUBLE_EQ(compute_bound.throughput(), 140e6 * 27);
  EXPECT_FALSE(compute_bound.rate(0).hbm_bound);
  scan.hbm_bytes_per_item = 64;
  const DataflowPipeline hbm_bound({scan}, *u55c());
  EXPECT_DOUBLE_EQ(hbm_bound.throughput(), 9 * 14.375e9 / 64);
  EXPECT_TRUE(hbm_bound.rate(0).hbm_bound);
}

TEST(FpgaDataflow, LatencyIsFillPlusWorkOverThroughput) {
  // Depths 100 + 300 cycles at 140 MHz = 2857.14 ns of fill; 1000 items at
  // 140e6 / 4 items/s = 28.571 us.
  const DataflowPipeline p({stage("a", 2, 1, 100), stage("b", 4, 1, 300)}, *u55c());
  EXPECT_EQ(p.fill_latency(), Duration::ns(2858));
  EXPECT_EQ(p.time(1000),
            Duration::ns(static_cast<std::int64_t>(std::ceil((400 + 1000 * 4) / 140e6 * 1e9 - 1e-6))));
}

TEST(FpgaDataflow, RejectsDesignsThatDoNotFit) {
  DataflowStage s = stage("too_wide", 1);
  s.hbm_channels = 33;  // the U55C has 32 pseudo-channels
  s.hbm_bytes_per_item = 64;
  try {
    (void)DataflowPipeline({s}, *u55c());
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "the stages use 33 HBM channels; device Alveo-U55C has 32");
  }
  EXPECT_THROW((void)DataflowPipeline({stage("zero_ii", 0)}, *u55c()), ValueError);
}

}  // namespace
}  // namespace orrery::models
