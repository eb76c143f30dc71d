// Log-space interpolation of calibrated efficiencies: exact at every measured
// point, monotone between neighbouring grid nodes (a property test over random
// shapes on a synthetic table), clamped off the grid, and the nearest-point
// fill of nodes nobody measured. Expected values are closed forms of
// multilinear interpolation in log2 coordinates.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "models/compute/log_grid.hpp"
#include "sim/core/error.hpp"

namespace orrery::models {
namespace {

// A full synthetic 3-D table over m, n, k ∈ {256, 1024, 4096, 16384} with
// arbitrary (random) efficiencies in [0.1, 0.9].
struct Synthetic {
  std::vector<LogGrid::Point> points;
  std::vector<double> values;
};

const std::array<double, 4> kAxis{256, 1024, 4096, 16384};

Synthetic synthetic(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> value(0.1, 0.9);
  Synthetic s;
  for (double m : kAxis)
    for (double n : kAxis)
      for (double k : kAxis) {
        s.points.push_back({m, n, k, 0});
        s.values.push_back(value(rng));
      }
  return s;
}

TEST(LogGrid, ExactAtEveryMeasuredPoint) {
  std::mt19937_64 rng(42);
  const Synthetic s = synthetic(rng);
  const LogGrid grid(3, s.points, s.values);
  for (std::size_t i = 0; i < s.points.size(); ++i) EXPECT_DOUBLE_EQ(grid.at(s.points[i]), s.values[i]);
}

TEST(LogGrid, MonotoneBetweenNeighbouringNodesAlongEveryAxis) {
  std::mt19937_64 rng(7);
  const Synthetic s = synthetic(rng);
  const LogGrid grid(3, s.points, s.values);
  std::uniform_int_distribution<int> cell(0, 2), node(0, 3), axis(0, 2);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int trial = 0; trial < 2000; ++trial) {
    // A random segment parallel to one axis, inside one cell, at random off-node
    // coordinates on the other axes: the interpolant is linear in log2 there,
    // so it moves monotonically from one end's value to the other's.
    const int a = axis(rng);
    const int c = cell(rng);
    LogGrid::Point lo{}, hi{};
    for (int d = 0; d < 3; ++d) {
      const int i = node(rng) % 3;
      const double x =
          std::exp2(std::log2(kAxis[i]) + unit(rng) * (std::log2(kAxis[i + 1]) - std::log2(kAxis[i])));
      lo[d] = hi[d] = x;
    }
    lo[a] = kAxis[c];
    hi[a] = kAxis[c + 1];
    const double v0 = grid.at(lo), v1 = grid.at(hi);
    double prev = v0;
    for (int step = 1; step <= 16; ++step) {
      LogGrid::Point p = lo;
      p[a] = std::exp2(std::log2(lo[a]) + step / 16.0 * (std::log2(hi[a]) - std::log2(lo[a])));
      const double v = grid.at(p);
      if (v1 >= v0) {
        EXPECT_GE(v, prev - 1e-12);
      } else {
        EXPECT_LE(v, prev + 1e-12);
      }
      EXPECT_GE(v, std::min(v0, v1) - 1e-12);
      EXPECT_LE(v, std::max(v0, v1) + 1e-12);
      prev = v;
    }
    EXPECT_NEAR(prev, v1, 1e-12);
  }
}

TEST(LogGrid, LinearInLogBetweenTwoPointsAndClampedOutside) {
  // One axis, 1024 → 0.2 and 4096 → 0.6: at 2048 (halfway in log2) 0.4.
  const std::vector<LogGrid::Point> pts{{1024, 0, 0, 0}, {4096, 0, 0, 0}};
  const std::vector<double> vals{0.2, 0.6};
  const LogGrid grid(1, pts, vals);
  EXPECT_DOUBLE_EQ(grid.at({2048, 0, 0, 0}), 0.4);
  EXPECT_DOUBLE_EQ(grid.at({1024 * std::sqrt(2.0), 0, 0, 0}), 0.3);  // a quarter of the way in log2
  EXPECT_DOUBLE_EQ(grid.at({1, 0, 0, 0}), 0.2);                      // below the grid: the edge value
  EXPECT_DOUBLE_EQ(grid.at({1e9, 0, 0, 0}), 0.6);                    // above the grid: the edge value
}

TEST(LogGrid, BilinearInTheMiddleOfACell) {
  // Corners (1,1)=0.1, (4,1)=0.3, (1,4)=0.5, (4,4)=0.9; the centre (2,2) is their mean, 0.45.
  const std::vector<LogGrid::Point> pts{{1, 1, 0, 0}, {4, 1, 0, 0}, {1, 4, 0, 0}, {4, 4, 0, 0}};
  const std::vector<double> vals{0.1, 0.3, 0.5, 0.9};
  const LogGrid grid(2, pts, vals);
  EXPECT_DOUBLE_EQ(grid.at({2, 2, 0, 0}), 0.45);
}

TEST(LogGrid, UnmeasuredNodesTakeTheNearestMeasuredValue) {
  // Measured on the diagonal (as published square-GEMM tables are) and at
  // (256, 64). Axes: {64, 256, 1024} × {64, 1024}. Squared log2 distances:
  //   node (1024, 64): to (256, 64) 2² = 4, to (64, 64) 4² = 16, to (1024, 1024) 4² = 16 → 0.5;
  //   node (256, 1024): to (1024, 1024) 2² = 4, to (256, 64) 4² = 16, to (64, 64) 2²+4² = 20 → 0.8;
  //   node (64, 1024): to (64, 64) 16, to (1024, 1024) 16, to (256, 64) 20: a tie, the lower value → 0.3.
  const std::vector<LogGrid::Point> pts{{64, 64, 0, 0}, {1024, 1024, 0, 0}, {256, 64, 0, 0}};
  const std::vector<double> vals{0.3, 0.8, 0.5};
  const LogGrid grid(2, pts, vals);
  EXPECT_DOUBLE_EQ(grid.at({64, 64, 0, 0}), 0.3);
  EXPECT_DOUBLE_EQ(grid.at({1024, 1024, 0, 0}), 0.8);
  EXPECT_DOUBLE_EQ(grid.at({1024, 64, 0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(grid.at({256, 1024, 0, 0}), 0.8);
  EXPECT_DOUBLE_EQ(grid.at({64, 1024, 0, 0}), 0.3);
}

TEST(LogGrid, RejectsBadInput) {
  const std::vector<LogGrid::Point> pts{{0, 1, 0, 0}};
  const std::vector<double> vals{0.5};
  EXPECT_THROW(LogGrid(2, pts, vals), ValueError);
  EXPECT_THROW(LogGrid(5, pts, vals), ValueError);
}

}  // namespace
}  // namespace orrery::models
