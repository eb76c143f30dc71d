#include "models/compute/calibrated_efficiency.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "models/compute/calibration_fit.hpp"
#include "sim/task/layer_bytes.hpp"
#include "sim/core/units.hpp"

namespace orrery::models {

namespace {

using fit::build_against;
using fit::build_fitted;
using fit::quarter_octaves;

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
// Depth is a coordinate (mlp_point), not a key: the work grows with it.
std::int64_t mlp_key(const task::TinyMlp& m) {
  return m.width;
}

// The grid coordinates of each family, one function each for the rows and the
// queries.
LogGrid::Point gemm_point(const task::Gemm& g) { return {real(g.m), real(g.n), real(g.k), real(g.batch)}; }
LogGrid::Point attention_point(const task::Attention& a) { return {real(a.seq), real(a.head_dim), 0, 0}; }
LogGrid::Point decode_point(const task::CachedAttention& a) { return {real(a.batch), real(a.context), 0, 0}; }
LogGrid::Point mlp_point(const task::TinyMlp& m) { return {real(m.points), real(task::weight_layers(m)), 0, 0}; }
LogGrid::Point layer_point(const LayerShape& s) { return {real(s.tokens), real(s.width), 0, 0}; }

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

// The reference time of an operation: its roofline max(compute, memory), or
// with factors, max(compute_factor × compute, memory_factor × memory).
double reference_time(const task::Operation& op, const Rates& rates, double compute_factor = 1,
                      double memory_factor = 1) {
  const Roofline rf = roofline(op, rates);
  return std::max(compute_factor * rf.compute_time, memory_factor * rf.memory_time);
}

// The same against each row's roofline. The factors scale the roofline of a
// row's shape (the attention backward's, from its forward's).
template <class Row, class KeyFn, class CoordFn>
std::vector<CalibratedEfficiency::Group> build(const std::vector<Row>& rows, std::size_t dims, KeyFn key,
                                               CoordFn coord, const Rates& rates, double compute_factor = 1,
                                               double memory_factor = 1, bool allow_floor = true) {
  return build_against(
      rows, dims, key, coord,
      [&](const auto& shape) {
        return reference_time(task::Operation(shape), rates, compute_factor, memory_factor);
      },
      allow_floor);
}

std::int64_t layer_key(const LayerShape& s) {
  return (static_cast<std::int64_t>(s.kernel) << 16) | (static_cast<std::int64_t>(s.pass) << 8) |
         static_cast<std::int64_t>(s.dtype);
}

// The basis variable of an SpMM: nnz × max(n, knee), the nonzeros' products
// with B's rows, each nonzero costing at least `knee` of them.
double spmm_elements(const task::SparseShape& s, double knee) { return real(s.nnz) * std::max(real(s.n), knee); }

// SpMM rows (cuSPARSE's CSR SpMM) against their elements, not the roofline.
// On the H200 the fp16 and fp32 rows of one shape take the same time within
// 10% (n = 512: 6.12 and 6.16 ms at 16,384 rows and 10%), so neither the
// FLOPs at the tensor peak nor the bytes bound them: the gathers and
// products of B's rows do, about 0.45 ps per nonzero × n past n = 128. Below,
// a nonzero costs a fixed amount whatever n: n = 32 takes 0.83 of n = 128's
// time, not a quarter, at every size from 1.7 M to 43 M nonzeros. So each
// group fits t = a + b·nnz·max(n, κ), κ the knee, taken from a quarter-octave
// ladder of 1 to 4,096 (κ ≤ the least n is the plain nnz·n) as the one whose
// fit (fit_basis, floor included) has the least relative squared error; the
// grid then holds (a + b·w) ÷ time as for the other families.
std::vector<CalibratedEfficiency::Group> build_spmm(const std::vector<SpmmRow>& rows) {
  return build_fitted(
      rows, 3, [](const task::Spmm& s) { return dtype_key(s.dtype); }, spmm_point,
      [](const task::Spmm& s) { return s; }, [](const task::Spmm& s, double knee) { return spmm_elements(s, knee); },
      quarter_octaves(0, 48));
}

// Layer rows: against the kernel's minimal bytes (layer_bytes.hpp) at the
// memory bandwidth, over (tokens, width).
std::vector<CalibratedEfficiency::Group> build_layer(const std::vector<LayerRow>& rows, const Rates& rates) {
  return build_against(rows, 2, layer_key, layer_point,
                       [&](const LayerShape& s) { return layer_bytes(s) / rates.bandwidth; });
}

// The basis variable of a tiny MLP: compute time + ρ × memory time. A fully
// fused MLP reads its input, runs its layers and writes its output, and the
// layers and the I/O run at efficiencies of their own: on the H200 each layer
// adds the same time whatever the depth (0.32 and 0.27 ms a layer at 16.8 M
// points, 64 wide, 2 to 3 to 4 layers: 46% of the fp16 tensor peak), on top of
// a part the depth does not change, where max(compute, memory), bound by the
// same bytes at every depth, would not move. So each group fits ρ, the weight
// of the memory time against the compute time, on a quarter-octave ladder from
// 1/16 to 16 (build_fitted).
double mlp_variable(const Roofline& rf, double rho) { return rf.compute_time + rho * rf.memory_time; }

std::vector<CalibratedEfficiency::Group> build_mlp(const std::vector<MlpRow>& rows, const Rates& rates) {
  return build_fitted(
      rows, 2, mlp_key, mlp_point, [&](const task::TinyMlp& m) { return roofline(m, rates); }, mlp_variable,
      quarter_octaves(-16, 16));
}

// The group of `key`, or null.
const CalibratedEfficiency::Group* group_of(const std::vector<CalibratedEfficiency::Group>& groups,
                                            std::int64_t key) {
  const auto it = std::ranges::find(groups, key, &CalibratedEfficiency::Group::key);
  return it == groups.end() ? nullptr : &*it;
}

// The efficiency of a family whose basis is not the roofline (spmm, mlp,
// hashgrid): the operation's roofline time ÷ the time its group's basis and
// grid give, w(basis) being the family's basis variable at the shape.
template <class BasisVariable>
std::optional<Fit> against_roofline(const std::vector<CalibratedEfficiency::Group>& groups, std::int64_t key,
                                    const LogGrid::Point& p, BasisVariable w, double roofline_time) {
  const CalibratedEfficiency::Group* g = group_of(groups, key);
  if (!g) return std::nullopt;
  return Fit{roofline_time / (g->basis.time(w(g->basis)) / g->grid.at(p)), g->grid.distance(p)};
}

// Where a hash grid's gathers are served. The kernel runs its levels one
// after another (levels along grid.y, in tiny-cuda-nn and in
// orrery-calibrate's kernel alike, so the blocks of one level run together),
// so each level's table has the caches to itself: a gather lands anywhere in
// it, and of a table of S bytes an L1 of C1 bytes (l1_memory, per SM) holds a
// share min(1, C1/S) and the L2 of C2 (on_chip_memory) min(1, C2/S). The H200
// rows (2 features, 2^14 to 2^24 entries, 16.8 M points) take 177 ps a point
// while every level fits in the L1, 426–438 ps while a third of the gathers
// do and the rest stay in the L2, 624 ps once a seventh go to DRAM: about 1.4,
// 4.3 and 17 ps a gather.
struct Gathers {
  double l1 = 0, l2 = 0, dram = 0;
};
Gathers hashgrid_gathers(const task::HashGridEncoding& h, const Rates& rates) {
  Gathers out;
  const double per_level = real(h.points) * real(task::corners_of(h));
  for (std::int64_t l = 0; l < h.levels; ++l) {
    const double bytes = task::level_entries(h, l) * real(h.features) * 2;  // fp16 features
    const double in_l1 = std::min(1.0, rates.l1 / bytes);
    const double in_l2 = std::max(in_l1, std::min(1.0, rates.on_chip / bytes));
    out.l1 += per_level * in_l1;
    out.l2 += per_level * (in_l2 - in_l1);
    out.dram += per_level * (1 - in_l2);
  }
  return out;
}

// The basis variable of a hash grid: its gathers in L1 gathers, an L2 gather
// costing r2 and a DRAM gather r3 of them. The reads of the points and the
// writes of the features are the same per point at every table size, and
// the L1 term takes them in. Each group fits (r2, r3), 1 ≤ r2 ≤ r3, r2 on a
// quarter-octave ladder from 1 to 16 and r3 from 1 to 64 (build_fitted); on
// the H200, 2.8 and 13.5 for 2 features, 5.7 and 13.5 for 4.
double hashgrid_variable(const Gathers& g, const fit::Pair& r) {
  return g.l1 + r[0] * g.l2 + r[1] * g.dram;
}

std::vector<CalibratedEfficiency::Group> build_hashgrid(const std::vector<HashGridRow>& rows, const Rates& rates) {
  return build_fitted(
      rows, 2, hashgrid_key, hashgrid_point,
      [&](const task::HashGridEncoding& h) { return hashgrid_gathers(h, rates); }, hashgrid_variable,
      fit::ordered_pairs(quarter_octaves(0, 16), quarter_octaves(0, 24)));
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

CalibratedEfficiency::CalibratedEfficiency(const CalibrationTable& table, const Rates& rates) : rates_(rates) {
  gemm_ = build(table.gemm, 4, gemm_key, gemm_point, rates);
  // Fused attention against its compute time alone (memory factor 0; the header says why), with no floor.
  attention_ = build(attention_rows(table.attention, KernelPass::kForward), 2, attention_key, attention_point, rates,
                     1, 0, false);
  // The backward's FLOPs: 2.5 times the forward's (five matrix products to two).
  attention_backward_ = build(attention_rows(table.attention, KernelPass::kBackward), 2, attention_key,
                              attention_point, rates, kAttentionBackwardFlops, 0, false);
  decode_attention_ = build(table.decode_attention, 2, decode_key, decode_point, rates);
  layer_ = build_layer(table.layer, rates);
  hashgrid_ = build_hashgrid(table.hashgrid, rates);
  mlp_ = build_mlp(table.mlp, rates);
  spmm_ = build_spmm(table.spmm);

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

template <class Reference>
std::optional<Fit> CalibratedEfficiency::lookup(const Groups& groups, std::int64_t key, const LogGrid::Point& p,
                                                Reference reference) {
  const Group* g = group_of(groups, key);
  if (!g) return std::nullopt;
  const double v = g->grid.at(p);
  // Without a floor w cancels: the efficiency is v / b, and no roofline is needed.
  const double e = g->basis.floor == 0 ? v / g->basis.slope : [&] {
    const double w = reference();
    return w * v / g->basis.time(w);
  }();
  return Fit{e, g->grid.distance(p)};
}

std::optional<Fit> CalibratedEfficiency::gemm(const task::Gemm& g) const {
  return lookup(gemm_, gemm_key(g), gemm_point(g), [&] { return reference_time(g, *rates_); });
}

// The reference is the forward's compute time (times kAttentionBackwardFlops
// for the backward), as the rows were built; attention groups have no floor,
// so it is not asked for today.
std::optional<Fit> CalibratedEfficiency::attention(const task::Attention& a) const {
  return against_flops(lookup(attention_, attention_key(a), attention_point(a), [&] {
    task::Attention forward = a;
    forward.backward = false;
    return reference_time(forward, *rates_, 1, 0);
  }));
}

std::optional<Fit> CalibratedEfficiency::attention_backward(const task::Attention& a) const {
  return against_flops(lookup(attention_backward_, attention_key(a), attention_point(a), [&] {
    task::Attention forward = a;
    forward.backward = false;
    return reference_time(forward, *rates_, kAttentionBackwardFlops, 0);
  }));
}

std::optional<Fit> CalibratedEfficiency::decode_attention(const task::CachedAttention& a) const {
  if (a.queries != 1) return std::nullopt;
  return lookup(decode_attention_, decode_key(a), decode_point(a), [&] { return reference_time(a, *rates_); });
}

std::optional<Fit> CalibratedEfficiency::layer(const LayerShape& s) const {
  return lookup(layer_, layer_key(s), layer_point(s),
                [&] { return layer_bytes(s) / rates_->bandwidth; });
}

double layer_bytes(const LayerShape& s) {
  return task::layer_min_bytes(name_of(s.kernel), s.pass == KernelPass::kBackward,
                                      task::bytes_per_element(s.dtype), real(s.tokens), real(s.width));
}

std::optional<Fit> CalibratedEfficiency::hashgrid(const task::HashGridEncoding& h) const {
  return against_roofline(
      hashgrid_, hashgrid_key(h), hashgrid_point(h),
      [&](const Basis& b) { return hashgrid_variable(hashgrid_gathers(h, *rates_), b.parameter); },
      reference_time(h, *rates_));
}

// One roofline for both the basis variable and the efficiency's divisor.
std::optional<Fit> CalibratedEfficiency::mlp(const task::TinyMlp& m) const {
  const Roofline rf = roofline(m, *rates_);
  return against_roofline(
      mlp_, mlp_key(m), mlp_point(m), [&](const Basis& b) { return mlp_variable(rf, b.parameter[0]); },
      std::max(rf.compute_time, rf.memory_time));
}

// The grid's basis is in elements (build_spmm()).
std::optional<Fit> CalibratedEfficiency::spmm(const task::SparseShape& s) const {
  return against_roofline(
      spmm_, dtype_key(s.dtype), spmm_point(s), [&](const Basis& b) { return spmm_elements(s, b.parameter[0]); },
      reference_time(task::Spmm{s}, *rates_));
}

std::optional<Fit> CalibratedEfficiency::memory(double bytes) const {
  if (memory_.empty()) return std::nullopt;
  return Fit{memory_.at({bytes, 0, 0, 0}), memory_.distance({bytes, 0, 0, 0})};
}

}  // namespace orrery::models
