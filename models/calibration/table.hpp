// A calibration table: measured (or published) kernel times on one device,
// in the format `orrery-calibration/1` that orrery-calibrate writes from real
// GPU runs and that tables/*.yaml follow (see tables/README.md):
//
//   format: orrery-calibration/1
//   device: H100-SXM5-80GB
//   provenance: { kind: published | measured, gpu, driver, cuda_runtime, clocks, date, command }
//   gemm:      [ { dtype, m, n, k, batch, time, source } ]
//   memory:    [ { kernel: read | write | copy, bytes, time, source } ]
//   attention: [ { dtype, batch, heads, kv_heads, seq, head_dim, causal, pass, backend, time, source } ]
//   decode_attention: [ { dtype, batch, heads, kv_heads, head_dim, context, time, source } ]
//   hashgrid:  [ { levels, features, log2_table, points, base_resolution, max_resolution, time, source } ]
//   mlp:       [ { width, depth (weight layers), points, inputs, outputs, time, source } ]
//   spmm:      [ { dtype, rows, cols, nnz, n, time, source } ]
//   layer:     [ { kernel, pass, dtype, tokens, width, time, source } ]
//   collective: [ { op, ranks, fabric, bytes, time, source } ]
//   skipped:   [ { family, shape, reason } ]   (what a measuring run could not time)
//
// `source` is required on every row of a published table and optional in a
// measured one (the provenance covers it; a row measured elsewhere, imported
// into a measured table, names its framework, backend, GPU and date there).
// Times are kernel execution times (launch overhead excluded: the cost model
// adds the device's). For `copy`, `bytes` is the buffer copied, so the kernel
// moves twice that. `pass: backward` is the backward kernel(s) alone.
// A collective row is one call's time (nccl-tests' `time`, latency included)
// on `ranks` devices of one node of the fabric kind `fabric` (nvswitch, ...),
// `bytes` the buffer as nccl-tests sizes it (the whole buffer for all_reduce,
// all_gather's output, reduce_scatter's input).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/task/operation.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::config {
class Document;
}

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
// Which pass of a layer a row times: the forward kernel, or the backward
// kernel(s) alone (a framework's fwd+bwd time less its forward).
enum class KernelPass : std::uint8_t { kForward, kBackward };
[[nodiscard]] std::string_view name_of(KernelPass p);

struct AttentionRow {
  task::Attention shape;
  KernelPass pass = KernelPass::kForward;
  std::string backend;  // "cudnn", "flash2", ...; empty when the table does not say
  Duration time;
  std::string source;
};

// Decode attention over a paged KV cache (orrery-calibrate's decode_attention
// family): one query per sequence (shape.queries = 1) against `context`
// cached tokens.
struct DecodeAttentionRow {
  task::CachedAttention shape;
  Duration time;
  std::string source;
};

// Memory-bound layer kernels as eager frameworks launch them, one kernel per
// op (models/calibration/README.md gives each one's bytes).
// (task::LayerKernel: the operation a training step prices with these rows.)
using task::LayerKernel;
using task::kLayerKernelCount;

struct LayerShape {
  LayerKernel kernel = LayerKernel::kAdd;
  KernelPass pass = KernelPass::kForward;
  task::DType dtype = task::DType::kBf16;
  std::int64_t tokens = 0;  // rows (for adam: rows of the parameter tensor)
  std::int64_t width = 0;   // columns: hidden size, 4h for GELU, vocabulary for the loss
};
struct LayerRow {
  LayerShape shape;
  Duration time;
  std::string source;
};

// A collective measured inside one node (models/collective/measured_collectives.hpp
// prices the in-node collectives of a run with these rows).
struct CollectiveRow {
  task::CollectiveOp op = task::CollectiveOp::kAllReduce;
  int ranks = 0;
  std::string fabric;  // the node kind, as cluster.node.kind names it
  Bytes bytes;
  Duration time;
  std::string source;
};

// A shape a measuring run could not time, and why (the library's status).
struct SkippedShape {
  std::string family, shape, reason;
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
  std::vector<DecodeAttentionRow> decode_attention;
  std::vector<HashGridRow> hashgrid;
  std::vector<MlpRow> mlp;
  std::vector<SpmmRow> spmm;
  std::vector<LayerRow> layer;
  std::vector<CollectiveRow> collective;
  std::vector<SkippedShape> skipped;
  // The calibration sibling's table (Device::calibration_sibling), whose groups
  // price the device's operations before this table's own (with_sibling()).
  std::shared_ptr<const CalibrationTable> sibling;
};

// Throw ConfigError at the offending key.
[[nodiscard]] CalibrationTable load_calibration_table(const std::string& path);
[[nodiscard]] CalibrationTable parse_calibration_table(const std::string& text, const std::string& file_name);
[[nodiscard]] CalibrationTable read_calibration_document(const config::Document& doc);

// The table for `device` among the *.yaml files of `folder`: its measured and
// published tables merged (merge_calibration_tables); either alone as it is;
// none gives nullopt; two of the same kind for one device is an error naming
// both files.
[[nodiscard]] std::optional<CalibrationTable> find_calibration_table(const std::string& folder,
                                                                     const std::string& device);

// `measured` with what it lacks taken from `published`: per family and group
// (what the cost model cannot interpolate across: gemm and spmm by dtype,
// memory by kernel, attention by dtype, causal, pass and backend, hashgrid by
// levels, features and dims, mlp by width, layer by kernel, pass and
// dtype, collective by op, ranks and fabric), a group with a measured row takes only measured rows; a group only
// published keeps its published rows. Provenance is the measured table's.
[[nodiscard]] CalibrationTable merge_calibration_tables(const CalibrationTable& measured,
                                                        const CalibrationTable& published);

// `own` (the device's table from find_calibration_table, or none) with the
// table of its calibration sibling `sibling` from `folder` attached, where
// `own` has no measured rows and the sibling has a measured table: a group the sibling
// measured prices the device's operations before `own`'s published rows
// (models/compute/cost.hpp). With no table of its own the device gets an
// empty one carrying the sibling's.
[[nodiscard]] std::optional<CalibrationTable> with_sibling(std::optional<CalibrationTable> own,
                                                           const std::string& device,
                                                           const std::string& sibling,
                                                           const std::string& folder);

}  // namespace orrery::models
