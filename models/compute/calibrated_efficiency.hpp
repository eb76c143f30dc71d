// Efficiencies from a calibration table, interpolated by shape. Each measured
// row becomes one point: its efficiency is the roofline time of the row's
// operation on this device divided by the measured time, so that the cost
// model, which divides the roofline by the efficiency, returns the measured
// time at that shape exactly. Rows are grouped by what cannot be interpolated
// (dtype; causal; levels and features; width and depth; the memory kernel)
// and each group is a LogGrid over its shape coordinates:
//
//   gemm       (m, n, k, batch) per dtype        attention  (seq, head_dim) per dtype, causal
//   hashgrid   (points, log2_table) per levels, features, dims
//   mlp        (points) per width, depth         spmm       (rows, nnz, n) per dtype
//   memory     (bytes moved) for one kernel: copy if measured, else read, else write
//
// A shape whose group has no rows gets no calibrated efficiency (nullopt):
// the cost model then uses the device's documented defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/calibration/table.hpp"
#include "models/compute/log_grid.hpp"
#include "models/compute/roofline.hpp"

namespace orrery::models {

class CalibratedEfficiency {
 public:
  CalibratedEfficiency() = default;
  CalibratedEfficiency(const CalibrationTable& table, const Rates& rates);

  [[nodiscard]] std::optional<double> gemm(const task::Gemm& g) const;
  [[nodiscard]] std::optional<double> attention(const task::Attention& a) const;
  [[nodiscard]] std::optional<double> hashgrid(const task::HashGridEncoding& h) const;
  [[nodiscard]] std::optional<double> mlp(const task::TinyMlp& m) const;
  [[nodiscard]] std::optional<double> spmm(const task::SparseShape& s) const;
  // Memory efficiency for a kernel moving `bytes` (reads plus writes).
  [[nodiscard]] std::optional<double> memory(double bytes) const;

 private:
  using Groups = std::vector<std::pair<std::int64_t, LogGrid>>;
  [[nodiscard]] static std::optional<double> lookup(const Groups& groups, std::int64_t key,
                                                    const LogGrid::Point& p);

  Groups gemm_, attention_, hashgrid_, mlp_, spmm_;
  LogGrid memory_;
};

}  // namespace orrery::models
