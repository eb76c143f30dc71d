// Multilinear interpolation in log space on a grid, for efficiencies measured
// at a few shapes. The grid's axes are the distinct values each coordinate
// takes in the measurements (up to four coordinates: m, n, k, batch for a
// GEMM; seq, head_dim for attention; points for graphics kernels...).
//
//   * At a grid node that was measured the value is the measurement.
//   * A node nobody measured (the points need not fill the grid: calibration
//     sweeps run along one axis at a time) takes, along each axis where
//     measured nodes lie on both sides of it (its other coordinates equal),
//     the line between the nearest two in log2 of the coordinate, and the
//     mean of those lines weighted by the inverse of each bracket's width.
//     With no bracket on any axis, the mean of the nearest measured points
//     (Euclidean distance in log2 coordinates).
//   * Between nodes the value is multilinear in log2 of each coordinate, so
//     along any axis it moves monotonically from one node's value to the
//     next's, and it is exact at every measured point.
//   * Off the grid each coordinate is clamped to its axis' range: the value at
//     the edge applies (no extrapolation).
//
// distance() says how far a query stands from what was measured: the
// Euclidean distance in log2 coordinates to the nearest measured point (1 =
// a factor of 2 along one axis, or √2 along each of two, from every row).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace orrery::models {

class LogGrid {
 public:
  static constexpr std::size_t kMaxDims = 4;
  using Point = std::array<double, kMaxDims>;  // coordinates beyond `dims` are ignored

  LogGrid() = default;
  // `coords[i]` (positive) was measured as `values[i]`; a repeated point takes the mean of its values.
  LogGrid(std::size_t dims, std::span<const Point> coords, std::span<const double> values);

  [[nodiscard]] bool empty() const { return values_.empty(); }
  [[nodiscard]] std::size_t dims() const { return dims_; }
  [[nodiscard]] double at(const Point& coord) const;
  [[nodiscard]] double distance(const Point& coord) const;

 private:
  std::size_t dims_ = 0;
  std::array<std::vector<double>, kMaxDims> axes_;  // log2 of the distinct coordinates, ascending
  std::array<std::size_t, kMaxDims> stride_{};
  // The axes with more than one value, the only ones a query interpolates along.
  std::array<std::size_t, kMaxDims> active_{};
  std::size_t active_count_ = 0;
  std::vector<double> values_;  // row-major over the axes
  std::vector<Point> measured_;  // log2 of the measured points
};

}  // namespace orrery::models
