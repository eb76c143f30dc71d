// The compute cost model against closed forms: on a test device with round
// numbers (bf16 peak 100 TFLOP/s, fp32 10 TFLOP/s, 1 TB/s, default
// efficiencies 0.5 compute and 0.8 memory, no launch overhead unless said),
// time = max(FLOPs ÷ (peak × 0.5), bytes ÷ (1 TB/s × 0.8)) + launch.
#include <gtest/gtest.h>

#include <cmath>

#include "models/calibration/table.hpp"
#include "models/compute/cost.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"
#include "sim/task/spmm_padding.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models::cost_test {
namespace {

using task::DType;

std::shared_ptr<const Device> test_device(const std::string& launch = "0 ns") {
  return test::round_number_device(launch);
}

// Whole nanoseconds, rounded up, as the model reports them.
Duration ns_up(double seconds) {
  return Duration::ns(static_cast<std::int64_t>(std::ceil(seconds * 1e9 - 1e-6)));
}

TEST(Cost, LargeGemmIsComputeBoundAtPeakTimesEfficiency) {
  const CostModel model(test_device(), nullptr);
  const Cost c = model.cost(task::Gemm{8192, 8192, 8192, 1, DType::kBf16});
  // 2·8192³ FLOPs at 100 TFLOP/s × 0.5; bytes 3·8192²·2 at 0.8 TB/s take 0.5 ms, less.
  EXPECT_EQ(c.time, ns_up(2.0 * 8192 * 8192 * 8192 / 50e12));
  EXPECT_EQ(c.bound, Bound::kCompute);
  EXPECT_DOUBLE_EQ(c.efficiency, 0.5);
  EXPECT_FALSE(c.calibrated);
  EXPECT_DOUBLE_EQ(c.flops.count(), 2.0 * 8192 * 8192 * 8192);
  EXPECT_EQ(c.bytes.count(), 3LL * 8192 * 8192 * 2);
}

TEST(Cost, SmallGemmIsMemoryBound) {
  const CostModel model(test_device(), nullptr);
  // m = n = k = 64: 2·64³ = 524288 FLOPs → 10.5 ns; 3·64²·2 = 24576 B → 30.72 ns at 0.8 TB/s.
  const Cost c = model.cost(task::Gemm{64, 64, 64, 1, DType::kBf16});
  EXPECT_EQ(c.time, Duration::ns(31));
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_DOUBLE_EQ(c.efficiency, 0.8);
}

TEST(Cost, LaunchOverheadIsAddedAndCanBind) {
  const CostModel model(test_device("2 us"), nullptr);
  const Cost small = model.cost(task::Gemm{64, 64, 64, 1, DType::kBf16});
  EXPECT_EQ(small.time, Duration::ns(2000 + 31));
  EXPECT_EQ(small.bound, Bound::kLaunch);
  const Cost big = model.cost(task::Gemm{8192, 8192, 8192, 1, DType::kBf16});
  EXPECT_EQ(big.time, ns_up(2.0 * 8192 * 8192 * 8192 / 50e12 + 2e-6));
  EXPECT_EQ(big.bound, Bound::kCompute);
}

TEST(Cost, ElementwiseIsMemoryBound) {
  const CostModel model(test_device(), nullptr);
  // 1 GB at 1 TB/s × 0.8 = 1.25 ms; 0.25 FLOP/B × 1e9 B at 10 TFLOP/s × 0.5 = 50 us.
  const Cost c = model.cost(task::Elementwise{task::PointwiseKind::kNorm, 1'000'000'000, 0.25});
  EXPECT_EQ(c.time, Duration::us(1250));
  EXPECT_EQ(c.bound, Bound::kMemory);
}

TEST(Cost, AttentionCountsFourBHS2DHalvedWhenCausal) {
  const CostModel model(test_device(), nullptr);
  const task::Attention full{2, 16, 4, 4096, 128, false, DType::kBf16};
  task::Attention causal = full;
  causal.causal = true;
  const double flops = 4.0 * 2 * 16 * 4096.0 * 4096 * 128;
  EXPECT_DOUBLE_EQ(model.cost(full).flops.count(), flops);
  EXPECT_DOUBLE_EQ(model.cost(causal).flops.count(), flops / 2);
  // Q and O at 16 heads, K and V at 4 (grouped-query): (2·16 + 2·4)·b·s·d elements of 2 bytes.
  EXPECT_EQ(model.cost(full).bytes.count(), (2 * 16 + 2 * 4) * 2LL * 4096 * 128 * 2);
}

TEST(Cost, VocabProjectionIsItsGemm) {
  const CostModel model(test_device(), nullptr);
  const Cost v = model.cost(task::VocabProjection{2048, 12288, 51200, DType::kBf16});
  const Cost g = model.cost(task::Gemm{2048, 51200, 12288, 1, DType::kBf16});
  EXPECT_EQ(v.time, g.time);
  EXPECT_DOUBLE_EQ(v.flops.count(), g.flops.count());
}

TEST(Cost, EmbeddingMovesGatheredRows) {
  const CostModel model(test_device(), nullptr);
  // 4096 tokens × 1024 × 2 B read and written, plus 4-byte ids: 4096·(2·2048 + 4) B.
  const Cost c = model.cost(task::Embedding{4096, 1024, 50000, DType::kBf16});
  EXPECT_EQ(c.bytes.count(), 4096LL * (2 * 2048 + 4));
  EXPECT_EQ(c.bound, Bound::kMemory);
}

TEST(Cost, OptimizerStepMovesThirtyBytesPerParameter) {
  const CostModel model(test_device(), nullptr);
  // Mixed-precision Adam: 16 B read + 14 B written per parameter; 1e9 parameters → 30 GB at 0.8 TB/s.
  const Cost c = model.cost(task::OptimizerStep{1'000'000'000});
  EXPECT_EQ(c.bytes.count(), 30'000'000'000LL);
  EXPECT_EQ(c.time, Duration::us(37'500));
}

TEST(Cost, WeightOnlyQuantizationAddsDequantizationOnTheVectorUnits) {
  const CostModel model(test_device(), nullptr);
  task::QuantGemm q;
  q.m = 4096;
  q.n = 4096;
  q.k = 4096;
  q.weights = {DType::kInt4, DType::kInt4};
  q.activations = DType::kBf16;
  // Per layer: 2mnk at bf16 peak, plus 2·n·k·ceil(m/128) dequantization FLOPs at fp32 peak.
  const double mma = 2.0 * 4096 * 4096 * 4096 / 100e12;
  const double dequant = 2.0 * 4096 * 4096 * 32 / 10e12;
  EXPECT_EQ(model.cost(q).time, ns_up(2 * (mma + dequant) / 0.5));
  EXPECT_EQ(model.cost(q).bound, Bound::kCompute);
}

TEST(Cost, SpmmComputesThePaddedBlocks) {
  // 1024 × 1024 with 1024 nonzeros (p = 2^-10): FlashSparse's 8×1 blocks. Expected non-empty
  // blocks: 128·1024 · (1 − (1 − p)^8); padded values: 8 per block.
  task::Spmm s;
  s.rows = 1024;
  s.cols = 1024;
  s.nnz = 1024;
  s.n = 256;
  s.dtype = DType::kFp16;
  const double p = 1.0 / 1024;
  const double padded = 128.0 * 1024 * (1 - std::pow(1 - p, 8)) * 8;
  EXPECT_NEAR(task::padded_nnz(s), padded, 1e-6 * padded);
  EXPECT_GT(task::padded_nnz(s), 1024.0);
  // Magicube int8 blocks are 16 × 8; a dense matrix pads nothing.
  s.dtype = DType::kInt8;
  s.nnz = s.rows * s.cols;
  EXPECT_DOUBLE_EQ(task::padded_nnz(s), 1024.0 * 1024);
  EXPECT_EQ(task::default_block(DType::kInt8).rows, 16);
  EXPECT_EQ(task::default_block(DType::kInt4).cols, 8);
  const CostModel model(test_device(), nullptr);
  s.dtype = DType::kBf16;
  s.nnz = 1024;
  EXPECT_NEAR(model.cost(s).flops.count(), 2 * padded * 256, 1e-9 * padded);
}

TEST(Cost, ADeviceWithoutTheNeededPeakSaysWhatItHas) {
  const DeviceCatalog catalog(devices_dir());
  const CostModel model(catalog.load("V100-SXM2-32GB"), nullptr);
  try {
    (void)model.cost(task::Gemm{1024, 1024, 1024, 1, DType::kBf16});
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "device V100-SXM2-32GB has no bf16 peak; it has: fp64, fp32, fp16");
  }
}

constexpr const char* kTable = R"(format: orrery-calibration/1
device: TEST-GPU
provenance: { kind: measured, gpu: "test", date: "2026-01-01" }
gemm:
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "2 ms" }
memory:
  - { kernel: copy, bytes: "1 GB", time: "2.5 ms" }
)";

TEST(Cost, CalibratedShapesReturnTheMeasuredTimePlusLaunch) {
  const CalibrationTable table = parse_calibration_table(kTable, "t.yaml");
  const CostModel model(test_device("2 us"), &table);
  const Cost c = model.cost(task::Gemm{4096, 4096, 4096, 1, DType::kBf16});
  EXPECT_EQ(c.time, Duration::us(2002));
  EXPECT_TRUE(c.calibrated);
  // Efficiency = roofline ÷ measured = (2·4096³ / 100 TFLOP/s) ÷ 2 ms.
  EXPECT_NEAR(c.efficiency, 2.0 * 4096 * 4096 * 4096 / 100e12 / 2e-3, 1e-12);
  // A dtype the table does not cover falls back to the documented default.
  const Cost f = model.cost(task::Gemm{4096, 4096, 4096, 1, DType::kFp32});
  EXPECT_FALSE(f.calibrated);
  EXPECT_DOUBLE_EQ(f.efficiency, 0.5);
  // Memory-bound work takes the table's copy efficiency: 2 GB moved in 2.5 ms at 1 TB/s → 0.8.
  const Cost e = model.cost(task::Elementwise{task::PointwiseKind::kElementwise, 4'000'000'000, 0});
  EXPECT_TRUE(e.calibrated);
  EXPECT_EQ(e.time, Duration::us(5002));
}

TEST(Cost, AGemmAddingIntoFp32PaysItsEpilogueAfterTheMath) {
  const CalibrationTable table = parse_calibration_table(kTable, "t.yaml");
  const CostModel model(test_device("2 us"), &table);
  // C (4096 × 4096) read and written in fp32 where the rows write it once in
  // bf16: 4096² · (8 − 2) bytes more, at the copy efficiency (0.8 of 1 TB/s),
  // after the calibrated GEMM's 2 ms and its launch.
  const Cost c = model.cost(task::Gemm{4096, 4096, 4096, 1, DType::kBf16, DType::kFp32});
  EXPECT_EQ(c.time, Duration::us(2002) + ns_up(4096.0 * 4096 * 6 / (0.8 * 1e12)));
  EXPECT_EQ(c.bytes.count(), 4096LL * 4096 * (2 + 2 + 8));
  EXPECT_TRUE(c.calibrated);
  // Rows measured as accumulating GEMMs price them directly: 3 ms measured, 3 ms predicted (plus launch).
  const CalibrationTable measured = parse_calibration_table(R"(format: orrery-calibration/1
device: TEST-GPU
provenance: { kind: measured, gpu: "test", date: "2026-01-01" }
gemm:
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "2 ms" }
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, accumulate: fp32, time: "3 ms" }
)",
                                                            "t.yaml");
  EXPECT_EQ(CostModel(test_device("2 us"), &measured).cost(task::Gemm{4096, 4096, 4096, 1, DType::kBf16, DType::kFp32}).time,
            Duration::us(3002));
  // The plain GEMM keeps its own rows.
  EXPECT_EQ(CostModel(test_device("2 us"), &measured).cost(task::Gemm{4096, 4096, 4096, 1, DType::kBf16}).time,
            Duration::us(2002));
}

}  // namespace
}  // namespace orrery::models::cost_test
