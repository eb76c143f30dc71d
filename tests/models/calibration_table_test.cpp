// Calibration tables in the orrery-calibration/1 format: the shipped tables
// parse and belong to shipped devices; a published row needs a source, a
// measured one does not; measured tables win over published ones. Positions
// in messages are counted by hand in the texts below (1-based).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "models/calibration/table.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"
#include "tests/support/calibration_text.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::models::calibration_table_test {
namespace {

constexpr const char* kPublished = R"yaml(format: orrery-calibration/1
device: H100-SXM5-80GB
provenance:
  kind: published
  gpu: "NVIDIA H100 80GB HBM3"
  driver: "n/a"
  cuda_runtime: "n/a"
  clocks: "n/a"
  date: "2026-11-22"
  command: "n/a (from the paper cited in each row's source)"
gemm:
  - { dtype: bf16, m: 8192, n: 8192, k: 8192, batch: 1, time: "1.25 ms", source: "a paper, Table 3" }
memory:
  - { kernel: read, bytes: "1 GiB", time: "360 us", source: "a paper, Table 4" }
attention: [ { dtype: bf16, batch: 1, heads: 16, kv_heads: 16, seq: 4096, head_dim: 128, causal: true, time: "1 ms", source: "s" } ]
hashgrid: [ { levels: 16, features: 2, log2_table: 19, points: 1048576, time: "1 ms", source: "s" } ]
mlp: [ { width: 64, depth: 2, points: 1048576, time: "1 ms", source: "s" } ]
spmm: [ { dtype: fp16, rows: 4096, cols: 4096, nnz: 100000, n: 256, time: "100 us", source: "s" } ]
collective: [ { op: all_reduce, ranks: 8, fabric: nvswitch, bytes: "64 MiB", time: "684.6 us", source: "s" } ]
)yaml";

using test::replace;

std::string error_of(const std::string& text) {
  return test::calibration_error_of(text);
}

TEST(CalibrationTable, ReadsTheFormat) {
  const CalibrationTable t = parse_calibration_table(kPublished, "t.yaml");
  EXPECT_EQ(t.device, "H100-SXM5-80GB");
  EXPECT_EQ(t.provenance.kind, ProvenanceKind::kPublished);
  ASSERT_EQ(t.gemm.size(), 1u);
  EXPECT_EQ(t.gemm[0].shape.m, 8192);
  EXPECT_EQ(t.gemm[0].time, Duration::us(1250));
  EXPECT_EQ(t.gemm[0].source, "a paper, Table 3");
  ASSERT_EQ(t.memory.size(), 1u);
  EXPECT_EQ(t.memory[0].bytes.count(), 1LL << 30);
  EXPECT_TRUE(t.attention.at(0).shape.causal);
  EXPECT_EQ(t.hashgrid.at(0).shape.log2_table, 19);
  EXPECT_EQ(t.mlp.at(0).shape.width, 64);
  EXPECT_EQ(t.spmm.at(0).shape.nnz, 100000);
  ASSERT_EQ(t.collective.size(), 1u);
  EXPECT_EQ(t.collective[0].op, task::CollectiveOp::kAllReduce);
  EXPECT_EQ(t.collective[0].ranks, 8);
  EXPECT_EQ(t.collective[0].fabric, "nvswitch");
  EXPECT_EQ(t.collective[0].bytes.count(), 64LL << 20);
  EXPECT_EQ(t.collective[0].time, Duration::ns(684600));
}

TEST(CalibrationTable, APublishedRowNeedsASourceAMeasuredOneDoesNot) {
  const std::string no_source = replace(kPublished, R"(, source: "a paper, Table 3" })", " }");
  EXPECT_EQ(
      error_of(no_source),
      "t.yaml:12:5: error: gemm[0].source: missing required key 'source' (where the figure comes from (paper "
      "and table, datasheet...))");
  const std::string measured = replace(no_source, "kind: published", "kind: measured");
  EXPECT_EQ(parse_calibration_table(measured, "t.yaml").gemm.at(0).source, "");
}

TEST(CalibrationTableInvalid, LocatedMessages) {
  EXPECT_EQ(error_of(replace(kPublished, "orrery-calibration/1", "orrery-calibration/2")),
            "t.yaml:1:9: error: format: unknown format 'orrery-calibration/2'; this program reads "
            "orrery-calibration/1");
  EXPECT_EQ(
      error_of(replace(kPublished, "dtype: bf16, m: 8192", "dtype: bf61, m: 8192")),
      "t.yaml:12:14: error: gemm[0].dtype: unknown value 'bf61'; did you mean 'bf16'?; valid: fp64, fp32, "
      "tf32, bf16, fp16, fp8, int8, int4, int3, int2");
  EXPECT_EQ(error_of(replace(kPublished, "kernel: read", "kernel: triad")),
            "t.yaml:14:15: error: memory[0].kernel: unknown value 'triad'; valid: read, write, copy");
  EXPECT_EQ(error_of(replace(kPublished, R"(time: "1.25 ms")", R"(time: "0 ms")")),
            "t.yaml:12:63: error: gemm[0].time: must be positive");
  EXPECT_EQ(error_of(replace(kPublished, "batch: 1, time", "bacth: 1, time")),
            "t.yaml:12:47: error: gemm[0]: unknown key 'bacth'; did you mean 'batch'?; valid: dtype, m, n, "
            "k, batch, accumulate, "
            "time, source");
  EXPECT_EQ(error_of(replace(kPublished, "batch: 1, time", "batch: 1, accumulate: fp33, time")),
            "t.yaml:12:69: error: gemm[0].accumulate: unknown value 'fp33'; did you mean 'fp32'?; valid: none, "
            "fp32, bf16, fp16");
  // Collective rows (line 19).
  EXPECT_EQ(error_of(replace(kPublished, "op: all_reduce", "op: all_reduse")),
            "t.yaml:19:21: error: collective[0].op: unknown value 'all_reduse'; did you mean 'all_reduce'?; valid: "
            "all_reduce, reduce_scatter, all_gather, all_to_all, broadcast, reduce");
  EXPECT_EQ(error_of(replace(kPublished, "ranks: 8", "ranks: 1")),
            "t.yaml:19:40: error: collective[0].ranks: must be from 2 to 1024");
  EXPECT_EQ(error_of(replace(kPublished, R"(bytes: "64 MiB")", R"(bytes: "0 B")")),
            "t.yaml:19:68: error: collective[0].bytes: must be positive");
  // Tiny-MLP rows (line 17): at least an input and an output layer.
  EXPECT_EQ(error_of(replace(kPublished, "width: 64, depth: 2", "width: 64, depth: 1")),
            "t.yaml:17:28: error: mlp[0].depth: must be at least 2 (an input and an output layer)");
  // Hash-grid levels (line 16): resolutions from 1, the finest at least the coarsest.
  EXPECT_EQ(error_of(replace(kPublished, "log2_table: 19,", "log2_table: 19, base_resolution: 0,")),
            "t.yaml:16:73: error: hashgrid[0].base_resolution: must be from 1 to 1048576");
  EXPECT_EQ(error_of(replace(kPublished, "log2_table: 19,", "log2_table: 19, max_resolution: 8,")),
            "t.yaml:16:72: error: hashgrid[0].max_resolution: must be from base_resolution to 1048576");
  EXPECT_EQ(error_of(replace(kPublished, "fabric: nvswitch, ", "")),
            "t.yaml:19:15: error: collective[0].fabric: missing required key 'fabric' (the node kind they share "
            "(cluster.node.kind: nvswitch, ...))");
}

TEST(CalibrationTable, ShippedTablesParseAndNameShippedDevices) {
  const DeviceCatalog devices(devices_dir());
  int tables = 0;
  for (const auto& entry : std::filesystem::directory_iterator(calibration_tables_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    const CalibrationTable t = load_calibration_table(entry.path().string());
    ++tables;
    // DEVICE.yaml is published, DEVICE.measured.yaml measured (on real hardware).
    std::string stem = entry.path().stem().string();
    const bool measured = stem.ends_with(".measured");
    if (measured) stem.resize(stem.size() - std::string_view(".measured").size());
    EXPECT_EQ(stem, t.device);
    EXPECT_EQ(devices.load(t.device)->name, t.device);
    EXPECT_EQ(t.provenance.kind, measured ? ProvenanceKind::kMeasured : ProvenanceKind::kPublished);
    if (measured) continue;
    for (const auto& r : t.gemm) EXPECT_FALSE(r.source.empty());
    for (const auto& r : t.memory) EXPECT_FALSE(r.source.empty());
  }
  EXPECT_GE(tables, 5);
}

TEST(CalibrationTable, AMeasuredTableWinsOverAPublishedOne) {
  const auto dir = std::filesystem::temp_directory_path() / "orrery_calibration_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.yaml") << kPublished;
  std::ofstream(dir / "b.yaml") << replace(kPublished, "kind: published", "kind: measured");
  const auto t = find_calibration_table(dir.string(), "H100-SXM5-80GB");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->provenance.kind, ProvenanceKind::kMeasured);
  EXPECT_FALSE(find_calibration_table(dir.string(), "A100-SXM4-80GB").has_value());
  std::ofstream(dir / "c.yaml") << replace(kPublished, "kind: published", "kind: measured");
  EXPECT_THROW((void)find_calibration_table(dir.string(), "H100-SXM5-80GB"), ConfigError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace orrery::models::calibration_table_test
