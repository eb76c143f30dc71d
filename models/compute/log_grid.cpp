#include "models/compute/log_grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/error.hpp"

namespace orrery::models {

LogGrid::LogGrid(std::size_t dims, std::span<const Point> coords, std::span<const double> values)
    : dims_(dims) {
  if (dims == 0 || dims > kMaxDims) throw ValueError("a log grid has 1 to 4 dimensions");
  if (coords.size() != values.size() || coords.empty())
    throw ValueError("a log grid needs one value per point");
  std::vector<Point>& logs = measured_;
  logs.assign(coords.size(), Point{});
  for (std::size_t i = 0; i < coords.size(); ++i) {
    for (std::size_t d = 0; d < dims; ++d) {
      if (!(coords[i][d] > 0)) throw ValueError("log-grid coordinates must be positive");
      logs[i][d] = std::log2(coords[i][d]);
      axes_[d].push_back(logs[i][d]);
    }
  }
  std::size_t nodes = 1;
  for (std::size_t d = dims; d-- > 0;) {
    auto& a = axes_[d];
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    stride_[d] = nodes;
    nodes *= a.size();
  }
  for (std::size_t d = 0; d < dims; ++d)
    if (axes_[d].size() > 1) active_[active_count_++] = d;
  // Measured nodes first (a repeated point: the mean of its values, in the
  // order given), then the nearest fill.
  const double unset = std::numeric_limits<double>::quiet_NaN();
  values_.assign(nodes, unset);
  std::vector<int> repeats(nodes, 0);  // measurements of each node (0: unmeasured)
  for (std::size_t i = 0; i < logs.size(); ++i) {
    std::size_t flat = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      const auto& a = axes_[d];
      flat +=
          static_cast<std::size_t>(std::lower_bound(a.begin(), a.end(), logs[i][d]) - a.begin()) * stride_[d];
    }
    values_[flat] = repeats[flat]++ == 0 ? values[i] : values_[flat] + values[i];
  }
  for (std::size_t flat = 0; flat < nodes; ++flat) {
    if (repeats[flat] > 1) values_[flat] /= repeats[flat];
  }
  // An unmeasured node: along each axis where measured nodes (the other
  // coordinates equal) lie on both sides, the line between the nearest two,
  // in log2 of the coordinate; the mean over those axes, each weighted by
  // the inverse of its bracket's width. With no bracket on any axis: the
  // nearest measured points' mean. The fill reads measured nodes only, so it
  // writes the unmeasured ones in place.
  for (std::size_t flat = 0; flat < nodes; ++flat) {
    if (repeats[flat] > 0) continue;
    double sum = 0, weights = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      const auto& a = axes_[d];
      const std::size_t at = (flat / stride_[d]) % a.size();
      const std::size_t base = flat - at * stride_[d];
      std::size_t lo = at, hi = at;
      while (lo > 0 && repeats[base + (lo - 1) * stride_[d]] == 0) --lo;
      while (hi + 1 < a.size() && repeats[base + (hi + 1) * stride_[d]] == 0) ++hi;
      if (lo == 0 || hi + 1 == a.size()) continue;
      --lo;
      ++hi;
      const double t = (a[at] - a[lo]) / (a[hi] - a[lo]);
      const double w = 1 / (a[hi] - a[lo]);
      sum += w * ((1 - t) * values_[base + lo * stride_[d]] + t * values_[base + hi * stride_[d]]);
      weights += w;
    }
    if (weights > 0) {
      values_[flat] = sum / weights;
      continue;
    }
    Point node{};
    for (std::size_t d = 0; d < dims; ++d) node[d] = axes_[d][(flat / stride_[d]) % axes_[d].size()];
    double best_dist = std::numeric_limits<double>::infinity();
    double best = 0;
    int ties = 0;
    for (std::size_t i = 0; i < logs.size(); ++i) {
      double dist = 0;
      for (std::size_t d = 0; d < dims; ++d) dist += (logs[i][d] - node[d]) * (logs[i][d] - node[d]);
      if (dist < best_dist - 1e-12) {
        best_dist = dist;
        best = values[i];
        ties = 1;
      } else if (std::fabs(dist - best_dist) <= 1e-12) {
        best += values[i];
        ++ties;
      }
    }
    values_[flat] = best / ties;
  }
}

double LogGrid::distance(const Point& coord) const {
  Point q{};
  for (std::size_t d = 0; d < dims_; ++d) q[d] = std::log2(coord[d]);
  double best = std::numeric_limits<double>::infinity();
  for (const Point& m : measured_) {
    double sum = 0;
    for (std::size_t d = 0; d < dims_; ++d) sum += (m[d] - q[d]) * (m[d] - q[d]);
    best = std::min(best, sum);
  }
  return std::sqrt(best);
}

double LogGrid::at(const Point& coord) const {
  // Per active axis: the cell [lo, lo+1] holding log2(x), clamped, and the
  // weight of lo+1. Single-valued axes contribute index 0 and no weight.
  std::array<std::size_t, kMaxDims> lo{};
  std::array<double, kMaxDims> t{};
  std::size_t base = 0;
  for (std::size_t i = 0; i < active_count_; ++i) {
    const std::size_t d = active_[i];
    const auto& a = axes_[d];
    const double x = std::log2(coord[d]);
    if (!(x > a.front())) {
      lo[i] = 0;
      t[i] = 0;
    } else if (x >= a.back()) {
      lo[i] = a.size() - 2;
      t[i] = 1;
    } else {
      const std::size_t hi = static_cast<std::size_t>(std::upper_bound(a.begin(), a.end(), x) - a.begin());
      lo[i] = hi - 1;
      t[i] = (x - a[lo[i]]) / (a[hi] - a[lo[i]]);
    }
    base += lo[i] * stride_[d];
  }
  double sum = 0;
  const std::size_t corners = std::size_t{1} << active_count_;
  for (std::size_t c = 0; c < corners; ++c) {
    double w = 1;
    std::size_t flat = base;
    for (std::size_t i = 0; i < active_count_; ++i) {
      if ((c >> i) & 1u) {
        w *= t[i];
        flat += stride_[active_[i]];
      } else {
        w *= 1 - t[i];
      }
    }
    if (w != 0) sum += w * values_[flat];
  }
  return sum;
}

}  // namespace orrery::models
