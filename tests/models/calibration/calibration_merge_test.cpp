// The calibration format's backward attention rows, layer family and skipped
// list, and the merge of a device's measured and published tables: per family
// and group, measured rows win; groups only published survive. Positions in
// messages are counted by hand in the texts below (1-based).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "models/calibration/table.hpp"
#include "tests/support/calibration_text.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::models {
namespace {

constexpr const char* kMeasured = R"yaml(format: orrery-calibration/1
device: H200-SXM-141GB
provenance:
  kind: measured
  gpu: "NVIDIA H200"
  date: "2026-12-04"
gemm:
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "200 us" }
attention:
  - { dtype: bf16, batch: 4, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: true, pass: backward, backend: cudnn, time: "3 ms", source: "s" }
  - { dtype: bf16, batch: 4, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: true, time: "1 ms" }
layer:
  - { kernel: layernorm, pass: backward, dtype: bf16, tokens: 8192, width: 1024, time: "170 us", source: "s" }
  - { kernel: cross_entropy, dtype: fp32, tokens: 8192, width: 51200, time: "2.8 ms" }
skipped:
  - { family: gemm, shape: "fp8 m=1 n=1024 k=1024", reason: "CUBLAS_STATUS_NOT_SUPPORTED" }
)yaml";

constexpr const char* kPublished = R"yaml(format: orrery-calibration/1
device: H200-SXM-141GB
provenance:
  kind: published
  gpu: "NVIDIA H200"
  date: "2026-11-22"
gemm:
  - { dtype: bf16, m: 8192, n: 8192, k: 8192, batch: 1, time: "1.5 ms", source: "p" }
  - { dtype: fp8, m: 8192, n: 8192, k: 8192, batch: 1, time: "0.8 ms", source: "p" }
memory:
  - { kernel: copy, bytes: "1 GiB", time: "500 us", source: "p" }
layer:
  - { kernel: layernorm, pass: backward, dtype: bf16, tokens: 4096, width: 4096, time: "1 ms", source: "p" }
  - { kernel: layernorm, dtype: bf16, tokens: 4096, width: 4096, time: "40 us", source: "p" }
)yaml";

using test::replace;

std::string error_of(const std::string& text) {
  return test::calibration_error_of(text);
}

TEST(CalibrationFormat, ReadsPassBackendLayerRowsAndSkippedShapes) {
  const CalibrationTable t = parse_calibration_table(kMeasured, "t.yaml");
  ASSERT_EQ(t.attention.size(), 2u);
  EXPECT_EQ(t.attention[0].pass, KernelPass::kBackward);
  EXPECT_EQ(t.attention[0].backend, "cudnn");
  EXPECT_EQ(t.attention[0].time, Duration::ms(3));
  // Absent keys: forward, backend unstated.
  EXPECT_EQ(t.attention[1].pass, KernelPass::kForward);
  EXPECT_EQ(t.attention[1].backend, "");
  ASSERT_EQ(t.layer.size(), 2u);
  EXPECT_EQ(t.layer[0].shape.kernel, LayerKernel::kLayerNorm);
  EXPECT_EQ(t.layer[0].shape.pass, KernelPass::kBackward);
  EXPECT_EQ(t.layer[0].shape.tokens, 8192);
  EXPECT_EQ(t.layer[0].shape.width, 1024);
  EXPECT_EQ(t.layer[0].time, Duration::us(170));
  EXPECT_EQ(t.layer[1].shape.kernel, LayerKernel::kCrossEntropy);
  EXPECT_EQ(t.layer[1].shape.pass, KernelPass::kForward);
  EXPECT_EQ(t.layer[1].shape.dtype, task::DType::kFp32);
  ASSERT_EQ(t.skipped.size(), 1u);
  EXPECT_EQ(t.skipped[0].family, "gemm");
  EXPECT_EQ(t.skipped[0].reason, "CUBLAS_STATUS_NOT_SUPPORTED");
}

TEST(CalibrationFormatInvalid, LocatedMessagesForTheNewKeys) {
  EXPECT_EQ(error_of(replace(kMeasured, "pass: backward, backend", "pass: bwd, backend")),
            "t.yaml:10:101: error: attention[0].pass: unknown value 'bwd'; valid: forward, backward");
  EXPECT_EQ(
      error_of(replace(kMeasured, "kernel: layernorm", "kernel: layer_norm")),
      "t.yaml:13:15: error: layer[0].kernel: unknown value 'layer_norm'; did you mean 'layernorm'?; valid: "
      "layernorm, rmsnorm, gelu_tanh, swiglu, add, cross_entropy, embedding, adam");
  EXPECT_EQ(error_of(replace(kMeasured, "tokens: 8192, width: 1024", "tokens: 0, width: 1024")),
            "t.yaml:13:63: error: layer[0].tokens: must be at least 1");
  EXPECT_EQ(
      error_of(replace(kMeasured, "reason: \"CUBLAS", "why: \"CUBLAS")),
      "t.yaml:16:5: error: skipped[0].reason: missing required key 'reason' (why (the library's status))");
}

TEST(CalibrationMerge, MeasuredGroupsWinPublishedOnlyGroupsSurvive) {
  const CalibrationTable measured = parse_calibration_table(kMeasured, "m.yaml");
  const CalibrationTable published = parse_calibration_table(kPublished, "p.yaml");
  const CalibrationTable t = merge_calibration_tables(measured, published);
  EXPECT_EQ(t.provenance.kind, ProvenanceKind::kMeasured);
  // gemm bf16: measured (200 us at 4096^3) replaces the published 8192^3 row;
  // gemm fp8 is published only and stays.
  ASSERT_EQ(t.gemm.size(), 2u);
  EXPECT_EQ(t.gemm[0].time, Duration::us(200));
  EXPECT_EQ(t.gemm[1].shape.dtype, task::DType::kFp8);
  EXPECT_EQ(t.gemm[1].source, "p");
  // memory: nothing measured, the published copy row fills the family.
  ASSERT_EQ(t.memory.size(), 1u);
  EXPECT_EQ(t.memory[0].source, "p");
  // layer: layernorm backward bf16 is measured (one row, 170 us); layernorm
  // forward bf16 is published only and survives; the measured loss row stays.
  ASSERT_EQ(t.layer.size(), 3u);
  EXPECT_EQ(t.layer[0].time, Duration::us(170));
  EXPECT_EQ(t.layer[1].shape.kernel, LayerKernel::kCrossEntropy);
  EXPECT_EQ(t.layer[2].shape.pass, KernelPass::kForward);
  EXPECT_EQ(t.layer[2].time, Duration::us(40));
  EXPECT_EQ(t.attention.size(), 2u);
  EXPECT_EQ(t.skipped.size(), 1u);
}

TEST(CalibrationMerge, FindMergesAMeasuredAndAPublishedTableOfOneDevice) {
  const auto dir = std::filesystem::temp_directory_path() / "orrery_calibration_merge_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "H200.yaml") << kPublished;
  std::ofstream(dir / "H200.measured.yaml") << kMeasured;
  const auto t = find_calibration_table(dir.string(), "H200-SXM-141GB");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->provenance.kind, ProvenanceKind::kMeasured);
  EXPECT_EQ(t->gemm.size(), 2u);    // measured bf16 + published fp8
  EXPECT_EQ(t->memory.size(), 1u);  // published only
  EXPECT_EQ(std::filesystem::path(t->file).filename().string(), "H200.measured.yaml + H200.yaml");
  std::filesystem::remove(dir / "H200.measured.yaml");
  const auto p = find_calibration_table(dir.string(), "H200-SXM-141GB");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->provenance.kind, ProvenanceKind::kPublished);
  EXPECT_EQ(p->gemm.size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace orrery::models
