// The cost-model side of the new calibration rows: layer rows become an
// efficiency against the kernel's minimal bytes at the memory bandwidth, and
// attention rows (both passes) one against their FLOPs at peak; at a measured
// shape the efficiency gives back the measured time. Expected values are the
// closed forms of models/calibration/README.md, written out here, on the
// round-number test device (bf16 100 TFLOP/s, 1 TB/s).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/calibration/table.hpp"
#include "models/compute/calibrated_efficiency.hpp"
#include "models/compute/cost.hpp"
#include "models/devices/device.hpp"
#include "tests/support/round_number_device.hpp"

namespace orrery::models {
namespace {

// A measured table of the test device holding `rows` (its sections).
CalibrationTable table_of(const std::string& rows) {
  return parse_calibration_table(
      "format: orrery-calibration/1\ndevice: TEST-GPU\nprovenance: { kind: measured, gpu: \"test\", date: "
      "\"2026-12-04\" }\n" + rows,
      "t.yaml");
}

constexpr const char* kTable = R"(attention:
  - { dtype: bf16, batch: 4, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: false, pass: backward, backend: flash2, time: "20 ms" }
  - { dtype: bf16, batch: 4, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: false, pass: backward, backend: cudnn, time: "10 ms" }
  - { dtype: bf16, batch: 4, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: false, pass: forward, backend: cudnn, time: "4 ms" }
decode_attention:
  - { dtype: bf16, batch: 16, heads: 32, kv_heads: 8, head_dim: 128, context: 1024, time: "110 us" }
  - { dtype: bf16, batch: 16, heads: 32, kv_heads: 8, head_dim: 128, context: 4096, time: "400 us" }
layer:
  - { kernel: layernorm, pass: forward, dtype: bf16, tokens: 8192, width: 1024, time: "40 us" }
  - { kernel: layernorm, pass: backward, dtype: bf16, tokens: 8192, width: 1024, time: "200 us" }
  - { kernel: cross_entropy, pass: forward, dtype: fp32, tokens: 4096, width: 51200, time: "3 ms" }
)";

class CalibratedRows : public ::testing::Test {
 protected:
  const std::shared_ptr<const Device> device = test::round_number_device();
  const CalibrationTable table = table_of(kTable);
  const CalibratedEfficiency eff{table, Rates(*device)};
};

TEST_F(CalibratedRows, LayerRowsAreEfficienciesOfTheirMinimalBytes) {
  // LayerNorm forward, bf16 (s = 2), T = 8192, W = 1024: 2sTW + 2sW + 8T bytes at 1 TB/s in 40 us.
  const double t = 8192, w = 1024;
  const double fwd = (2 * 2 * t * w + 2 * 2 * w + 8 * t) / 1e12 / 40e-6;
  LayerShape s{LayerKernel::kLayerNorm, KernelPass::kForward, task::DType::kBf16, 8192, 1024};
  EXPECT_NEAR(eff.layer(s)->efficiency, fwd, 1e-12);
  // Backward: 3sTW + sW + 8T + 8W in 200 us.
  s.pass = KernelPass::kBackward;
  EXPECT_NEAR(eff.layer(s)->efficiency, (3 * 2 * t * w + 2 * w + 8 * t + 8 * w) / 1e12 / 200e-6, 1e-12);
  // Cross entropy over fp32 logits (s = 4), T = 4096, V = 51200: 2sTV + 4T in 3 ms.
  const LayerShape ce{LayerKernel::kCrossEntropy, KernelPass::kForward, task::DType::kFp32, 4096, 51200};
  EXPECT_NEAR(eff.layer(ce)->efficiency, (2 * 4 * 4096.0 * 51200 + 4 * 4096.0) / 1e12 / 3e-3, 1e-12);
  // Off the grid the edge applies (no extrapolation); a group without rows has none.
  EXPECT_NEAR(eff.layer({LayerKernel::kLayerNorm, KernelPass::kForward, task::DType::kBf16, 65536, 1024})->efficiency, fwd,
              1e-12);
  EXPECT_FALSE(eff.layer({LayerKernel::kRmsNorm, KernelPass::kForward, task::DType::kBf16, 8192, 1024}));
}

TEST_F(CalibratedRows, AttentionBackwardIsCuDnnsAgainstTheBackwardFlops) {
  const task::Attention a{4, 32, 32, 4096, 128, false, task::DType::kBf16};
  // Forward FLOPs 4 b h s^2 d = 4·4·32·4096²·128; the backward does 2.5 times that.
  const double f = 4.0 * 4 * 32 * 4096.0 * 4096 * 128;
  EXPECT_NEAR(eff.attention(a)->efficiency, f / 100e12 / 4e-3, 1e-12);
  // cuDNN's row (10 ms), not FlashAttention-2's (20 ms).
  EXPECT_NEAR(eff.attention_backward(a)->efficiency, 2.5 * f / 100e12 / 10e-3, 1e-12);
}

// The cost model prices the operations a training step emits with these
// rows: at a measured shape, the measured time (no launch overhead on this
// device).
TEST_F(CalibratedRows, TheCostModelPricesLayerOpsAndAttentionBackwardsAtTheirRows) {
  const CostModel model(device, &table);
  const task::LayerOp norm_b{task::LayerKernel::kLayerNorm, true, task::DType::kBf16, 8192, 1024};
  const Cost nb = model.cost(norm_b);
  EXPECT_TRUE(nb.calibrated);
  EXPECT_NEAR(static_cast<double>(nb.time.count()), 200e3, 1);
  // An RMSNorm has no row: its minimal bytes (2sTW + sW + 4T) at the default 0.8 of 1 TB/s, rounded up.
  const task::LayerOp rms{task::LayerKernel::kRmsNorm, false, task::DType::kBf16, 8192, 1024};
  const double rms_bytes = 2 * 2 * 8192.0 * 1024 + 2 * 1024 + 4 * 8192;
  EXPECT_FALSE(model.cost(rms).calibrated);
  EXPECT_EQ(model.cost(rms).time, Duration::ns(static_cast<std::int64_t>(std::ceil(rms_bytes / 0.8e12 * 1e9 - 1e-6))));

  task::Attention back{4, 32, 32, 4096, 128, false, task::DType::kBf16};
  back.backward = true;
  EXPECT_NEAR(static_cast<double>(model.cost(back).time.count()), 10e6, 1);  // cuDNN's backward row, ns
  back.backward = false;
  EXPECT_NEAR(static_cast<double>(model.cost(back).time.count()), 4e6, 1);  // the forward row
}

// Fused attention is calibrated against its FLOPs, not the roofline: a
// grouped-query row (kv_heads 8 of 32) and a multi-head row of the same shape
// do the same FLOPs and, as measured on the H200 (calibrated_efficiency.hpp),
// take the same time, though at seq 128 the multi-head roofline is
// memory-bound (intensity s/2 = 64 FLOP/B, under this device's 100) and the
// grouped one is not (102.4). Both rows at 50 us give one efficiency, and the
// cost model gives both shapes 50 us back.
TEST(CalibratedAttention, GroupedAndMultiHeadRowsOfOneShapeShareTheirFlopsEfficiency) {
  constexpr const char* kRows = R"(attention:
  - { dtype: bf16, batch: 8, heads: 32, kv_heads: 32, seq: 128, head_dim: 128, causal: false, pass: forward, backend: cudnn, time: "50 us" }
  - { dtype: bf16, batch: 8, heads: 32, kv_heads: 8, seq: 128, head_dim: 128, causal: false, pass: forward, backend: cudnn, time: "50 us" }
)";
  const auto device = test::round_number_device();
  const CalibrationTable table = table_of(kRows);
  const CalibratedEfficiency eff{table, Rates(*device)};
  const task::Attention mha{8, 32, 32, 128, 128, false, task::DType::kBf16};
  const task::Attention gqa{8, 32, 8, 128, 128, false, task::DType::kBf16};
  // 4 b h s^2 d FLOPs at 100 TFLOP/s in 50 us.
  const double flops = 4.0 * 8 * 32 * 128 * 128 * 128;
  EXPECT_NEAR(eff.attention(mha)->efficiency, flops / 100e12 / 50e-6, 1e-12);
  EXPECT_TRUE(eff.attention(mha)->compute_reference);
  const CostModel model(device, &table);
  EXPECT_NEAR(static_cast<double>(model.cost(mha).time.count()), 50e3, 1);
  EXPECT_NEAR(static_cast<double>(model.cost(gqa).time.count()), 50e3, 1);
  EXPECT_EQ(model.cost(mha).bound, Bound::kCompute);
}

// Decode attention rows: the efficiency of the bytes a decode step moves
// (K and V of the whole context, q and o) at 1 TB/s against the measured
// time; at a measured shape the cost model gives the time back. Another head
// grouping, or more than one query, is not priced by them.
TEST_F(CalibratedRows, DecodeStepsArePricedByDecodeAttentionRows) {
  // 16 sequences × 128 × (2 × 8 × 4096 + 2 × 32) elements × 2 bytes.
  const double bytes = 16.0 * 128 * (2 * 8 * 4096 + 2 * 32) * 2;
  const task::CachedAttention step{16, 32, 8, 128, 1, 4096, task::DType::kBf16};
  EXPECT_NEAR(eff.decode_attention(step)->efficiency, bytes / 1e12 / 400e-6, 1e-12);
  const CostModel model(device, &table);
  const Cost c = model.cost(step);
  EXPECT_TRUE(c.calibrated);
  EXPECT_NEAR(static_cast<double>(c.time.count()), 400e3, 1);
  EXPECT_NEAR(static_cast<double>(model.cost(task::CachedAttention{16, 32, 8, 128, 1, 1024}).time.count()), 110e3, 1);
  EXPECT_FALSE(eff.decode_attention(task::CachedAttention{16, 32, 32, 128, 1, 4096}));
  EXPECT_FALSE(eff.decode_attention(task::CachedAttention{16, 32, 8, 128, 2, 4096}));
}

// A table with forward attention rows only: the backward takes the forward's
// efficiency against its own roofline, 2.5 × the forward's FLOPs — 2.5 × the
// forward's 4 ms on this compute-bound shape.
TEST(CalibratedRowsForwardOnly, AttentionBackwardFallsBackToTheForwardsEfficiency) {
  const CalibrationTable forward_only = table_of(R"(attention:
  - { dtype: bf16, batch: 4, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: false, pass: forward, backend: cudnn, time: "4 ms" }
)");
  const CostModel model(test::round_number_device(), &forward_only);
  task::Attention back{4, 32, 32, 4096, 128, false, task::DType::kBf16};
  back.backward = true;
  EXPECT_NEAR(static_cast<double>(model.cost(back).time.count()), 10e6, 1);  // ns, up to rounding
  EXPECT_TRUE(model.cost(back).calibrated);
}

}  // namespace
}  // namespace orrery::models
