// Efficiencies from a calibration table, interpolated by shape. Rows are
// grouped by what cannot be interpolated (dtype; causal; levels and features;
// an MLP's width; the memory kernel). Each group fits a kernel-time basis
// a + b·w to its rows (w: the row's reference time, its roofline unless said
// below; a: a floor, only where the rows show one, see fit_basis in calibration_fit.hpp
// and models/calibration/README.md), and each row becomes one point of a
// LogGrid over the group's shape coordinates: (a + b·w) ÷ measured time. At a
// shape the efficiency is w × the grid's value ÷ (a + b·w), so that the cost
// model, which divides w by the efficiency, returns the measured time at a
// row exactly; with a = 0 the grid holds the efficiency w ÷ time itself, up
// to the constant b. The groups' coordinates:
//
//   gemm       (m, n, k, batch) per dtype        attention  (seq, head_dim) per dtype, causal
//   hashgrid   (points, table entries 2^log2_table) per levels, features, dims, against the
//              gathers each cache level serves, weighted by fitted costs (build_hashgrid in the .cpp)
//   mlp        (points, weight layers) per width, against compute + ρ × memory time, ρ fitted per
//              group (build_mlp in the .cpp)
//   spmm       (rows, nnz / (rows × cols), n) per dtype, against nnz × max(n, κ), the knee κ
//              fitted per group (build_spmm in the .cpp)
//   memory     (bytes moved) for one kernel: copy if measured, else read, else write (no basis: the efficiency itself)
//   layer      (tokens, width) per kernel, pass, dtype; efficiency against the
//              bandwidth for the kernel's minimal bytes (layer_bytes())
//   attention  backward: per dtype, causal, against the backward's compute time —
//              kAttentionBackwardFlops × the forward's FLOPs at peak
// Fused attention (both passes) is calibrated against its FLOPs alone, not the
// roofline: its time follows its FLOPs. Our H200 rows of grouped-query
// attention (kv_heads 8 of 32) move a quarter of the K and V bytes of
// multi-head attention at the same shape, yet take the same time to within
// the noise (GQA / MHA time, seq 512–16k: cuDNN 0.91–1.13 forward and
// 0.94–1.21 backward, FlashAttention-2 0.94–1.15 and 1.00–1.19); at seq 512
// the roofline's bytes term exceeds its FLOPs term, so against the roofline
// the two rows gave efficiencies 1.6× apart at one grid point.
// Attention groups take cuDNN's rows (`backend: cudnn`) when the table has any
// for the pass, else all rows of the pass.
//
// A shape whose group has no rows gets no calibrated efficiency (nullopt):
// the cost model then uses the device's documented defaults. A shape that has
// one also gets its distance from the group's nearest row (LogGrid::distance),
// for the summary's far_calibration_time_fraction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/calibration/table.hpp"
#include "models/compute/log_grid.hpp"
#include "models/compute/roofline.hpp"

namespace orrery::models {

// The attention backward against its forward: five matrix products to two
// (dS = dP ∘ P recomputed; dQ, dK, dV, dP and S), and dQ, dK, dV, dO beside Q, K, V, O.
using task::kAttentionBackwardBytes;
using task::kAttentionBackwardFlops;

// The attention rows of one pass the cost model prices with: cuDNN's when the
// table has any for that pass, else every row of the pass.
[[nodiscard]] std::vector<AttentionRow> attention_rows(const std::vector<AttentionRow>& rows, KernelPass pass);

// The bytes a layer row's kernels must move at least (calibration/layer_bytes.hpp).
[[nodiscard]] double layer_bytes(const LayerShape& s);

// A calibrated efficiency, and the log2 distance of its shape from the nearest measured row.
struct Fit {
  double efficiency = 0;
  double distance = 0;
  // The efficiency divides the operation's compute time (FLOPs at peak), not
  // its roofline max(compute, memory): fused attention (see the header).
  bool compute_reference = false;
  bool sibling = false;  // from the calibration sibling's rows (CostModel sets it)
};

// The kernel-time model a group's grid corrects: a fixed floor (launch,
// setup, the last wave's tail) plus a slope times the reference time w (the
// roofline, or the family's reference above).
struct Basis {
  double floor = 0;  // s
  double slope = 1;
  // A family's fitted shape parameters: spmm's knee κ (w = nnz × max(n, κ)), the
  // tiny MLP's memory weight ρ (w = compute + ρ × memory time), a hash grid's
  // costs of an L2 and a DRAM gather against an L1 one (w = L1 + r2 × L2 +
  // r3 × DRAM gathers); fit::build_fitted (calibration_fit.hpp). One-parameter
  // families use the first.
  std::array<double, 2> parameter{};
  [[nodiscard]] double time(double w) const { return floor + slope * w; }
};

class CalibratedEfficiency {
 public:
  struct Group {
    std::int64_t key = 0;
    LogGrid grid;  // basis time ÷ measured time, over the shape coordinates
    Basis basis;
  };

  CalibratedEfficiency() = default;
  CalibratedEfficiency(const CalibrationTable& table, const Rates& rates);

  // Queries from here on take their reference times (the roofline, a layer
  // kernel's bytes at the bandwidth) from `rates`, another device's, while
  // the groups keep what the table's rows gave against the rates they were
  // built with: a calibration sibling's efficiencies on this device's
  // roofline (models/compute/cost.hpp).
  void retarget(const Rates& rates) { rates_ = rates; }

  [[nodiscard]] std::optional<Fit> gemm(const task::Gemm& g) const;
  [[nodiscard]] std::optional<Fit> attention(const task::Attention& a) const;
  // Against the backward's FLOPs at peak (kAttentionBackwardFlops): time = that compute time ÷ efficiency.
  [[nodiscard]] std::optional<Fit> attention_backward(const task::Attention& a) const;
  // Decode attention (one query per sequence) of the same dtype and heads, over (batch, context).
  [[nodiscard]] std::optional<Fit> decode_attention(const task::CachedAttention& a) const;
  // Against layer_bytes(s) at the memory bandwidth.
  [[nodiscard]] std::optional<Fit> layer(const LayerShape& s) const;
  [[nodiscard]] std::optional<Fit> hashgrid(const task::HashGridEncoding& h) const;
  [[nodiscard]] std::optional<Fit> mlp(const task::TinyMlp& m) const;
  [[nodiscard]] std::optional<Fit> spmm(const task::SparseShape& s) const;
  // Memory efficiency for a kernel moving `bytes` (reads plus writes).
  [[nodiscard]] std::optional<Fit> memory(double bytes) const;

 private:
  using Groups = std::vector<Group>;
  // The group's efficiency at p: w ÷ (basis time of w × the grid's ratio at p), w = reference().
  // (Defined and used in the .cpp only.)
  template <class Reference>
  [[nodiscard]] static std::optional<Fit> lookup(const Groups& groups, std::int64_t key, const LogGrid::Point& p,
                                                 Reference reference);

  std::optional<Rates> rates_;

  Groups gemm_, attention_, attention_backward_, decode_attention_, layer_, hashgrid_, mlp_, spmm_;
  LogGrid memory_;
};

}  // namespace orrery::models
