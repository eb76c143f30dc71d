#include "models/compute/calibrated_efficiency.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "sim/task/layer_bytes.hpp"
#include "sim/core/units.hpp"

namespace orrery::models {

namespace {


std::int64_t dtype_key(task::DType t) {
  return static_cast<std::int64_t>(t);
}
// GEMMs of one input type, and apart from them those that add into a C of
// another type (Gemm::accumulate), measured as such.
std::int64_t gemm_key(const task::Gemm& g) {
  return dtype_key(g.dtype) + (g.accumulate ? task::kDTypeCount * (1 + dtype_key(*g.accumulate)) : 0);
}
std::int64_t attention_key(const task::Attention& a) {
  return dtype_key(a.dtype) * 2 + (a.causal ? 1 : 0);
}
std::int64_t decode_key(const task::CachedAttention& a) {
  return (dtype_key(a.dtype) << 48) | (a.heads << 32) | (a.kv_heads << 16) | a.head_dim;
}
std::int64_t hashgrid_key(const task::HashGridEncoding& h) {
  return (h.levels << 32) | (h.features << 8) | h.dims;
}
std::int64_t mlp_key(const task::TinyMlp& m) {
  return (m.width << 32) | m.depth;
}

// The grid coordinates of a hash-grid encoding: points, and the table's
// entries, 2^log2_table. The grid takes the log2 of each coordinate, so a
// table 4 times larger is as far as 4 times the points; log2_table itself,
// already a logarithm, would put 2^14 and 2^16 entries 0.19 apart.
LogGrid::Point hashgrid_point(const task::HashGridEncoding& h) {
  return {real(h.points), std::ldexp(1.0, static_cast<int>(h.log2_table)), 0, 0};
}

// The grid coordinates of an SpMM: rows, the density nnz / (rows × cols) and
// n. Sweeps hold the density while the matrix grows (0.1%, 1%, 10% of every
// size), so the measured shapes fill a (rows, density, n) grid; over
// (rows, nnz, n) each size's nnz values are its own, and almost no node of
// that grid was measured.
LogGrid::Point spmm_point(const task::SparseShape& s) {
  return {real(s.rows), real(s.nnz) / (real(s.rows) * real(s.cols)), real(s.n), 0};
}

// Builds the groups of `rows`: key → (points, efficiencies). The factors scale
// the roofline of a row's shape (the attention backward's, from its forward's).
template <class Row, class KeyFn, class CoordFn>
std::vector<std::pair<std::int64_t, LogGrid>> build(const std::vector<Row>& rows, std::size_t dims, KeyFn key,
                                                    CoordFn coord, const Rates& rates, double compute_factor = 1,
                                                    double memory_factor = 1) {
  std::map<std::int64_t, std::pair<std::vector<LogGrid::Point>, std::vector<double>>> groups;
  for (const auto& row : rows) {
    const task::Operation op = row.shape;
    const Roofline rf = roofline(op, rates);
    auto& g = groups[key(row.shape)];
    g.first.push_back(coord(row.shape));
    g.second.push_back(std::max(compute_factor * rf.compute_time, memory_factor * rf.memory_time) /
                       row.time.seconds());
  }
  std::vector<std::pair<std::int64_t, LogGrid>> out;
  for (const auto& [k, g] : groups) out.emplace_back(k, LogGrid(dims, g.first, g.second));
  return out;
}

std::int64_t layer_key(const LayerShape& s) {
  return (static_cast<std::int64_t>(s.kernel) << 16) | (static_cast<std::int64_t>(s.pass) << 8) |
         static_cast<std::int64_t>(s.dtype);
}

// Layer rows: efficiency = the kernel's minimal bytes (layer_bytes.hpp) at the
// memory bandwidth ÷ the measured time, over (tokens, width).
std::vector<std::pair<std::int64_t, LogGrid>> build_layer(const std::vector<LayerRow>& rows, const Rates& rates) {
  std::map<std::int64_t, std::pair<std::vector<LogGrid::Point>, std::vector<double>>> groups;
  for (const LayerRow& r : rows) {
    auto& g = groups[layer_key(r.shape)];
    g.first.push_back({real(r.shape.tokens), real(r.shape.width), 0, 0});
    g.second.push_back(layer_bytes(r.shape) / rates.bandwidth / r.time.seconds());
  }
  std::vector<std::pair<std::int64_t, LogGrid>> out;
  for (const auto& [k, g] : groups) out.emplace_back(k, LogGrid(2, g.first, g.second));
  return out;
}

// A fit of a group calibrated against compute time (fused attention).
std::optional<Fit> against_flops(std::optional<Fit> fit) {
  if (fit) fit->compute_reference = true;
  return fit;
}

}  // namespace

// The attention rows of one pass the model prices with: cuDNN's fused kernel's
// when the table has any for that pass (what frameworks run by default on
// NVIDIA GPUs), else every row of the pass.
std::vector<AttentionRow> attention_rows(const std::vector<AttentionRow>& rows, KernelPass pass) {
  const bool has_cudnn =
      std::ranges::any_of(rows, [&](const AttentionRow& r) { return r.pass == pass && r.backend == "cudnn"; });
  std::vector<AttentionRow> out;
  for (const AttentionRow& r : rows) {
    if (r.pass == pass && (!has_cudnn || r.backend == "cudnn")) out.push_back(r);
  }
  return out;
}

CalibratedEfficiency::CalibratedEfficiency(const CalibrationTable& table, const Rates& rates) {
  gemm_ = build(
      table.gemm, 4, gemm_key,
      [](const task::Gemm& g) {
        return LogGrid::Point{real(g.m), real(g.n), real(g.k), real(g.batch)};
      },
      rates);
  // Fused attention against its compute time alone (memory factor 0; the header says why).
  attention_ = build(
      attention_rows(table.attention, KernelPass::kForward), 2, attention_key,
      [](const task::Attention& a) {
        return LogGrid::Point{real(a.seq), real(a.head_dim), 0, 0};
      },
      rates, 1, 0);
  // The backward's FLOPs: 2.5 times the forward's (five matrix products to two).
  attention_backward_ = build(
      attention_rows(table.attention, KernelPass::kBackward), 2, attention_key,
      [](const task::Attention& a) { return LogGrid::Point{real(a.seq), real(a.head_dim), 0, 0}; }, rates,
      kAttentionBackwardFlops, 0);
  decode_attention_ = build(
      table.decode_attention, 2, decode_key,
      [](const task::CachedAttention& a) { return LogGrid::Point{real(a.batch), real(a.context), 0, 0}; }, rates);
  layer_ = build_layer(table.layer, rates);
  hashgrid_ = build(
      table.hashgrid, 2, hashgrid_key,
      hashgrid_point, rates);
  mlp_ = build(
      table.mlp, 1, mlp_key,
      [](const task::TinyMlp& m) {
        return LogGrid::Point{real(m.points), 0, 0, 0};
      },
      rates);
  spmm_ = build(
      table.spmm, 3, [](const task::Spmm& s) { return dtype_key(s.dtype); },
      spmm_point, rates);

  // One memory kernel: copy describes elementwise kernels best (they read and write).
  for (MemoryKernel k : {MemoryKernel::kCopy, MemoryKernel::kRead, MemoryKernel::kWrite}) {
    std::vector<LogGrid::Point> points;
    std::vector<double> values;
    for (const auto& row : table.memory) {
      if (row.kernel != k) continue;
      const double moved = real(row.bytes.count()) * (k == MemoryKernel::kCopy ? 2 : 1);
      points.push_back({moved, 0, 0, 0});
      values.push_back(moved / rates.bandwidth / row.time.seconds());
    }
    if (!points.empty()) {
      memory_ = LogGrid(1, points, values);
      break;
    }
  }
}

std::optional<Fit> CalibratedEfficiency::lookup(const Groups& groups, std::int64_t key,
                                                   const LogGrid::Point& p) {
  for (const auto& [k, grid] : groups)
    if (k == key) return Fit{grid.at(p), grid.distance(p)};
  return std::nullopt;
}

std::optional<Fit> CalibratedEfficiency::gemm(const task::Gemm& g) const {
  return lookup(gemm_, gemm_key(g), {real(g.m), real(g.n), real(g.k), real(g.batch)});
}

std::optional<Fit> CalibratedEfficiency::attention(const task::Attention& a) const {
  return against_flops(lookup(attention_, attention_key(a), {real(a.seq), real(a.head_dim), 0, 0}));
}

std::optional<Fit> CalibratedEfficiency::attention_backward(const task::Attention& a) const {
  return against_flops(lookup(attention_backward_, attention_key(a), {real(a.seq), real(a.head_dim), 0, 0}));
}

std::optional<Fit> CalibratedEfficiency::decode_attention(const task::CachedAttention& a) const {
  if (a.queries != 1) return std::nullopt;
  return lookup(decode_attention_, decode_key(a), {real(a.batch), real(a.context), 0, 0});
}

std::optional<Fit> CalibratedEfficiency::layer(const LayerShape& s) const {
  return lookup(layer_, layer_key(s), {real(s.tokens), real(s.width), 0, 0});
}

double layer_bytes(const LayerShape& s) {
  return task::layer_min_bytes(name_of(s.kernel), s.pass == KernelPass::kBackward,
                                      task::bytes_per_element(s.dtype), real(s.tokens), real(s.width));
}

std::optional<Fit> CalibratedEfficiency::hashgrid(const task::HashGridEncoding& h) const {
  return lookup(hashgrid_, hashgrid_key(h), hashgrid_point(h));
}

std::optional<Fit> CalibratedEfficiency::mlp(const task::TinyMlp& m) const {
  return lookup(mlp_, mlp_key(m), {real(m.points), 0, 0, 0});
}

std::optional<Fit> CalibratedEfficiency::spmm(const task::SparseShape& s) const {
  return lookup(spmm_, dtype_key(s.dtype), spmm_point(s));
}

std::optional<Fit> CalibratedEfficiency::memory(double bytes) const {
  if (memory_.empty()) return std::nullopt;
  return Fit{memory_.at({bytes, 0, 0, 0}), memory_.distance({bytes, 0, 0, 0})};
}

}  // namespace orrery::models
