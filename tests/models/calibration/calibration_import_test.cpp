// The rows scripts/import_calibration_csv.py put into the shipped H200 measured
// table equal the numbers of the CSVs they came from (models/calibration/imports/),
// read here independently of the script: forward = the CSV's fwd time, backward =
// fwd_bwd - fwd. Table times carry six significant digits and the loader keeps
// whole nanoseconds, so each is compared within 5e-6 relative plus 1 ns.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/calibration/table.hpp"

namespace orrery::models {
namespace {

const std::string kRoot = ORRERY_SOURCE_DIR;

std::vector<std::vector<std::string>> read_csv(const std::string& name) {
  std::ifstream in(kRoot + "/models/calibration/imports/" + name);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    if (line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

const CalibrationTable& table() {
  static const CalibrationTable t =
      load_calibration_table(kRoot + "/models/calibration/tables/H200-SXM-141GB.measured.yaml");
  return t;
}

void expect_time(Duration got, double want_seconds) {
  EXPECT_NEAR(got.seconds(), want_seconds, want_seconds * 5e-6 + 1e-9);
}

TEST(CalibrationImport, AttentionRowsAreTheSdpaCsvBothBackendsBothPasses) {
  const auto csv = read_csv("h200-attention-sdpa.csv");
  ASSERT_EQ(csv.size(), 48u);
  int matched = 0;
  for (const auto& c : csv) {
    // columns: dtype,batch,heads,kv_heads,seq,head_dim,causal,flash_fwd,flash_fwd_bwd,cudnn_fwd,cudnn_fwd_bwd
    for (const auto& [backend, col] : {std::pair{"flash2", 7}, std::pair{"cudnn", 9}}) {
      const double fwd = std::stod(c[col]);
      const double bwd = std::stod(c[col + 1]) - fwd;
      for (const AttentionRow& r : table().attention) {
        const auto& s = r.shape;
        if (r.backend != backend || s.batch != std::stoll(c[1]) || s.heads != std::stoll(c[2]) ||
            s.kv_heads != std::stoll(c[3]) || s.seq != std::stoll(c[4]) || s.head_dim != std::stoll(c[5]) ||
            s.causal != (c[6] == "true") || std::string(task::name_of(s.dtype)) != c[0])
          continue;
        expect_time(r.time, r.pass == KernelPass::kForward ? fwd : bwd);
        EXPECT_NE(r.source.find("h200-attention-sdpa.csv"), std::string::npos);
        ++matched;
      }
    }
  }
  EXPECT_EQ(matched, 48 * 4);                    // each CSV row: two backends x forward, backward
  EXPECT_EQ(table().attention.size(), 48u * 4);  // and no other attention rows (the own kernel's are gone)
}

TEST(CalibrationImport, LayerRowsAreTheLayerCsv) {
  const auto csv = read_csv("h200-layer-kernels.csv");
  int matched = 0;
  for (const auto& c : csv) {
    // CSV names -> table kernel and width (GELU runs on tokens x 4h).
    const bool gelu = c[0] == "gelu_tanh_on_4h";
    const std::string kernel = gelu                                  ? "gelu_tanh"
                               : c[0] == "cross_entropy_fp32_logits" ? "cross_entropy"
                                                                     : c[0];
    const std::int64_t width = std::stoll(c[2]) * (gelu ? 4 : 1);
    for (const LayerRow& r : table().layer) {
      if (name_of(r.shape.kernel) != kernel || r.shape.tokens != std::stoll(c[1]) || r.shape.width != width)
        continue;
      EXPECT_EQ(r.shape.dtype, kernel == "cross_entropy" ? task::DType::kFp32 : task::DType::kBf16);
      if (r.shape.pass == KernelPass::kForward) {
        expect_time(r.time, std::stod(c[3]));
      } else {
        ASSERT_FALSE(c[4].empty());
        expect_time(r.time, std::stod(c[4]) - std::stod(c[3]));
      }
      ++matched;
    }
  }
  EXPECT_EQ(static_cast<std::size_t>(matched), table().layer.size());
  EXPECT_EQ(matched, 18 + 13);  // 18 forward rows, 13 with a backward (add has none)
}

TEST(CalibrationImport, Fp8GemmRowsAreTheScaledMmCsv) {
  const auto csv = read_csv("h200-fp8-gemm.csv");
  int matched = 0;
  for (const auto& c : csv) {
    for (const GemmRow& r : table().gemm) {
      if (r.shape.dtype != task::DType::kFp8 || r.shape.m != std::stoll(c[0]) ||
          r.shape.n != std::stoll(c[1]) || r.shape.k != std::stoll(c[2]))
        continue;
      expect_time(r.time, std::stod(c[3]));
      ++matched;
    }
  }
  EXPECT_EQ(matched, 6);
}

}  // namespace
}  // namespace orrery::models
