// The text `orrery-calibrate` writes: the orrery-calibration/1 format of
// models/calibration/README.md, byte for byte, and values that orrery's own
// unit parsers read back (sim/core/units.hpp). Expected strings are the
// README's example; numbers are the IEC and SI definitions.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "models/calibration/cuda/calibration_table.hpp"
#include "sim/core/units.hpp"

namespace orrery::models::calibration {

namespace {

std::string table_text(std::string_view device, const Provenance& p, const std::vector<Section>& sections) {
  std::FILE* f = std::tmpfile();
  write_table(f, device, p, sections);
  std::rewind(f);
  std::string text;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) text += static_cast<char>(c);
  std::fclose(f);
  return text;
}

Provenance example_provenance() {
  Provenance p;
  p.gpu = "NVIDIA H100 80GB HBM3";
  p.driver = "13.0";
  p.cuda_runtime = "13.0";
  p.clocks = "sm 1980 MHz, memory 2619 MHz";
  p.date = "2026-11-22";
  p.command = "orrery-calibrate --quick --out h100.yaml";
  return p;
}

}  // namespace

TEST(CalibrationTable, FormatsTimesInTheUnitThatKeepsThemBetweenOneAndAThousand) {
  EXPECT_EQ(format_time(1.25e-3), "1.25 ms");
  EXPECT_EQ(format_time(360e-6), "360 us");
  EXPECT_EQ(format_time(812e-9), "812 ns");
  EXPECT_EQ(format_time(2.5), "2.5 s");
  EXPECT_EQ(format_time(1234.5), "1234.5 s");
  EXPECT_EQ(format_time(1.2345678e-3), "1.23457 ms");  // six significant digits
  EXPECT_EQ(format_time(0.99999999e-3), "1 ms");       // rounding carries into the next unit
  EXPECT_EQ(format_time(0.5e-9), "0.5 ns");
}

TEST(CalibrationTable, FormatsSizesInTheLargestExactBinaryUnit) {
  EXPECT_EQ(format_bytes(std::uint64_t{1} << 30), "1 GiB");
  EXPECT_EQ(format_bytes(std::uint64_t{4} << 30), "4 GiB");
  EXPECT_EQ(format_bytes(std::uint64_t{512} << 20), "512 MiB");
  EXPECT_EQ(format_bytes(3 * 1024), "3 KiB");
  EXPECT_EQ(format_bytes(1536), "1536 B");
  EXPECT_EQ(format_bytes(0), "0 B");
}

TEST(CalibrationTable, ValuesReadBackWithOrrerysUnitParsers) {
  for (double s : {1.25e-3, 360e-6, 2.1e-3, 150e-6, 1.23456e-3, 3.5}) {
    EXPECT_NEAR(static_cast<double>(parse_duration(format_time(s)).count()), s * 1e9, s * 1e9 * 1e-6) << s;
  }
  for (int shift = 20; shift <= 32; ++shift) {
    EXPECT_EQ(parse_bytes(format_bytes(std::uint64_t{1} << shift)).count(), std::int64_t{1} << shift);
  }
}

TEST(CalibrationTable, QuotesStringsForYaml) {
  EXPECT_EQ(yaml_quoted("NVIDIA H100 80GB HBM3"), "\"NVIDIA H100 80GB HBM3\"");
  EXPECT_EQ(yaml_quoted("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
  EXPECT_EQ(yaml_quoted("tab\there"), "\"tab here\"");
}

TEST(CalibrationTable, WritesRowsAsFlowMappingsInFieldOrder) {
  Row row;
  row.add("dtype", "bf16")
      .add("m", std::int64_t{8192})
      .add("n", std::int64_t{8192})
      .add("k", std::int64_t{8192});
  row.add("batch", std::int64_t{1}).add_time(1.25e-3);
  EXPECT_EQ(row.str(), "{ dtype: bf16, m: 8192, n: 8192, k: 8192, batch: 1, time: \"1.25 ms\" }");
  row.comment("879.6 TFLOP/s");
  EXPECT_EQ(row.str(),
            "{ dtype: bf16, m: 8192, n: 8192, k: 8192, batch: 1, time: \"1.25 ms\" }  # 879.6 TFLOP/s");
  Row flags;
  flags.add("causal", true).add("other", false);
  EXPECT_EQ(flags.str(), "{ causal: true, other: false }");
}

TEST(CalibrationTable, WritesTheReadmeExampleExactly) {
  std::vector<Section> sections;
  sections.emplace_back("gemm");
  sections.back().add(Row()
                          .add("dtype", "bf16")
                          .add("m", std::int64_t{8192})
                          .add("n", std::int64_t{8192})
                          .add("k", std::int64_t{8192})
                          .add("batch", std::int64_t{1})
                          .add_time(1.25e-3));
  sections.emplace_back("memory");
  sections.back().add(
      Row().add("kernel", "read").add("bytes", yaml_quoted(format_bytes(1u << 30))).add_time(360e-6));
  sections.emplace_back("attention");
  sections.back().add(Row()
                          .add("dtype", "bf16")
                          .add("batch", std::int64_t{1})
                          .add("heads", std::int64_t{32})
                          .add("kv_heads", std::int64_t{32})
                          .add("seq", std::int64_t{4096})
                          .add("head_dim", std::int64_t{128})
                          .add("causal", true)
                          .add_time(2.1e-3));
  sections.emplace_back("hashgrid");
  sections.back().add(Row()
                          .add("levels", std::int64_t{16})
                          .add("features", std::int64_t{2})
                          .add("log2_table", std::int64_t{19})
                          .add("points", std::int64_t{1048576})
                          .add_time(150e-6));
  sections.emplace_back("mlp");
  sections.back().add(Row()
                          .add("width", std::int64_t{64})
                          .add("depth", std::int64_t{3})
                          .add("points", std::int64_t{1048576})
                          .add_time(80e-6));
  sections.emplace_back("spmm");
  sections.back().add(Row()
                          .add("dtype", "fp16")
                          .add("rows", std::int64_t{16384})
                          .add("cols", std::int64_t{16384})
                          .add("nnz", std::int64_t{2684354})
                          .add("n", std::int64_t{256})
                          .add_time(300e-6));
  EXPECT_EQ(table_text("H100-SXM5-80GB", example_provenance(), sections),
            "format: orrery-calibration/1\n"
            "device: H100-SXM5-80GB\n"
            "provenance:\n"
            "  kind: measured\n"
            "  gpu: \"NVIDIA H100 80GB HBM3\"\n"
            "  driver: \"13.0\"\n"
            "  cuda_runtime: \"13.0\"\n"
            "  clocks: \"sm 1980 MHz, memory 2619 MHz\"\n"
            "  date: \"2026-11-22\"\n"
            "  command: \"orrery-calibrate --quick --out h100.yaml\"\n"
            "gemm:\n"
            "  - { dtype: bf16, m: 8192, n: 8192, k: 8192, batch: 1, time: \"1.25 ms\" }\n"
            "memory:\n"
            "  - { kernel: read, bytes: \"1 GiB\", time: \"360 us\" }\n"
            "attention:\n"
            "  - { dtype: bf16, batch: 1, heads: 32, kv_heads: 32, seq: 4096, head_dim: 128, causal: true, "
            "time: \"2.1 ms\" }\n"
            "hashgrid:\n"
            "  - { levels: 16, features: 2, log2_table: 19, points: 1048576, time: \"150 us\" }\n"
            "mlp:\n"
            "  - { width: 64, depth: 3, points: 1048576, time: \"80 us\" }\n"
            "spmm:\n"
            "  - { dtype: fp16, rows: 16384, cols: 16384, nnz: 2684354, n: 256, time: \"300 us\" }\n");
}

TEST(CalibrationTable, WritesSkippedShapesAsCommentsAndEmptySectionsAsEmptyLists) {
  Provenance p = example_provenance();
  p.driver_release = "580.65.06";
  std::vector<Section> sections;
  sections.emplace_back("gemm");
  sections.back().note("fp8 skipped: FP8 tensor cores need compute capability 8.9 or newer; this GPU is 8.0");
  const std::string text = table_text("A100-SXM4-80GB", p, sections);
  EXPECT_NE(text.find("  driver: \"13.0\"  # NVIDIA driver 580.65.06\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("gemm: []\n  # fp8 skipped: FP8 tensor cores need compute capability 8.9 or newer; this GPU "
                "is 8.0\n"),
      std::string::npos)
      << text;
}

TEST(CalibrationTable, ListsEverySkippedShapeAfterTheSectionsAndGoesOnWithTheFamily) {
  std::vector<Section> sections;
  sections.emplace_back("gemm");
  sections.back().skip("fp8 m=1 n=1024 k=1024", "CUBLAS_STATUS_NOT_SUPPORTED (the requested functionality is not supported)");
  Row row;
  row.add("dtype", "tf32").add("m", std::int64_t{16}).add("n", std::int64_t{1024}).add("k", std::int64_t{1024});
  row.add("batch", std::int64_t{1}).add_time(20e-6);
  sections.back().add(row);  // a later dtype of the same family still measured
  sections.emplace_back("attention");
  sections.back().skip("bf16 b=1 h=8 seq=32768", "cuDNN not found");
  EXPECT_EQ(sections[0].rows(), 1u);
  ASSERT_EQ(sections[0].skipped().size(), 1u);
  EXPECT_EQ(sections[1].skipped().at(0).reason, "cuDNN not found");
  const std::string text = table_text("H200-SXM-141GB", example_provenance(), sections);
  const std::string tail =
      "gemm:\n"
      "  # fp8 m=1 n=1024 k=1024 skipped: CUBLAS_STATUS_NOT_SUPPORTED (the requested functionality is not "
      "supported)\n"
      "  - { dtype: tf32, m: 16, n: 1024, k: 1024, batch: 1, time: \"20 us\" }\n"
      "attention: []\n"
      "  # bf16 b=1 h=8 seq=32768 skipped: cuDNN not found\n"
      "skipped:\n"
      "  - { family: gemm, shape: \"fp8 m=1 n=1024 k=1024\", reason: \"CUBLAS_STATUS_NOT_SUPPORTED (the requested "
      "functionality is not supported)\" }\n"
      "  - { family: attention, shape: \"bf16 b=1 h=8 seq=32768\", reason: \"cuDNN not found\" }\n";
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail) << text;
}

TEST(CalibrationTable, NothingSkippedWritesNoSkippedList) {
  std::vector<Section> sections;
  sections.emplace_back("memory");
  sections.back().note("a comment only");
  EXPECT_EQ(table_text("H200-SXM-141GB", example_provenance(), sections).find("skipped:"), std::string::npos);
}

}  // namespace orrery::models::calibration
