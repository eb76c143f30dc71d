// A calibration table: measured (or published) kernel times on one device,
// in the format `orrery-calibration/1` that orrery-calibrate writes from real
// GPU runs and that tables/*.yaml follow (see tables/README.md):
//
//   format: orrery-calibration/1
//   device: H100-SXM5-80GB
//   provenance: { kind: published | measured, gpu, driver, cuda_runtime, clocks, date, command }
//   gemm:      [ { dtype, m, n, k, batch, time, source } ]
//   memory:    [ { kernel: read | write | copy, bytes, time, source } ]
//   attention: [ { dtype, batch, heads, kv_heads, seq, head_dim, causal, time, source } ]
//   hashgrid:  [ { levels, features, log2_table, points, time, source } ]
//   mlp:       [ { width, depth, points, time, source } ]
//   spmm:      [ { dtype, rows, cols, nnz, n, time, source } ]
//
// `source` is required on every row of a published table and optional in a
// measured one (the provenance covers it). Times are kernel execution times
// (launch overhead excluded: the cost model adds the device's). For `copy`,
// `bytes` is the buffer copied, so the kernel moves twice that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {

enum class ProvenanceKind : std::uint8_t { kPublished, kMeasured };

struct Provenance {
  ProvenanceKind kind = ProvenanceKind::kPublished;
  std::string gpu, driver, cuda_runtime, clocks, date, command;
};

enum class MemoryKernel : std::uint8_t { kRead, kWrite, kCopy };

struct GemmRow {
  task::Gemm shape;
  Duration time;
  std::string source;
};
struct MemoryRow {
  MemoryKernel kernel = MemoryKernel::kRead;
  Bytes bytes;
  Duration time;
  std::string source;
};
struct AttentionRow {
  task::Attention shape;
  Duration time;
  std::string source;
};
struct HashGridRow {
  task::HashGridEncoding shape;
  Duration time;
  std::string source;
};
struct MlpRow {
  task::TinyMlp shape;
  Duration time;
  std::string source;
};
struct SpmmRow {
  task::Spmm shape;
  Duration time;
  std::string source;
};

struct CalibrationTable {
  std::string file;
  std::string device;
  Provenance provenance;
  std::vector<GemmRow> gemm;
  std::vector<MemoryRow> memory;
  std::vector<AttentionRow> attention;
  std::vector<HashGridRow> hashgrid;
  std::vector<MlpRow> mlp;
  std::vector<SpmmRow> spmm;
};

// Throw ConfigError at the offending key.
[[nodiscard]] CalibrationTable load_calibration_table(const std::string& path);
[[nodiscard]] CalibrationTable parse_calibration_table(const std::string& text, const std::string& file_name);

// The table for `device` among the *.yaml files of `folder`: a measured table
// wins over a published one; none gives nullopt; two of the same kind for one
// device is an error naming both files.
[[nodiscard]] std::optional<CalibrationTable> find_calibration_table(const std::string& folder,
                                                                     const std::string& device);

}  // namespace orrery::models
