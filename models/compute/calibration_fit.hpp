// How a calibration group's kernel-time basis is fitted to its rows
// (calibrated_efficiency.hpp): the floor and slope of t = a + b·w, a fitted
// shape parameter of w where a family has one, and the grid of basis time ÷
// measured time. Used by calibrated_efficiency.cpp only.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <type_traits>
#include <vector>

#include "models/compute/calibrated_efficiency.hpp"

namespace orrery::models::fit {

// The basis of a group: times t_i of rows with reference times w_i.
//
// A floor only where the group's rows show one: some row with at least 4
// times another's reference time takes at most twice its time (launch and
// setup, not the work, set the small kernels' times), and only for families
// whose grid coordinates fix the reference time (`allow_floor`: not fused
// attention, whose batch and heads are not coordinates, so one grid point
// holds kernels of any size). The floor and slope are
// then the least squares of the relative error, Σ ((a + b·w_i) / t_i − 1)²,
// so that a 5 us kernel counts as much as a 5 ms one. Without such rows a
// fitted intercept would stand for the curvature of the efficiency within the
// measured range (attention's rises with the sequence), not for a time the
// kernel cannot go below, and would price every shape smaller than the
// table's at about that intercept: those groups, and fits with a < 0, b ≤ 0 or
// a floor above the smallest time, keep the proportional basis (a = 0), on
// which the grid interpolates the efficiency itself.
[[nodiscard]] Basis fit_basis(const std::vector<double>& w, const std::vector<double>& t, bool allow_floor);

// The relative squared error of a basis over a group's rows, Σ ((a + b·w_i) / t_i − 1)².
[[nodiscard]] double relative_sse(const Basis& b, const std::vector<double>& w, const std::vector<double>& t);

struct GroupRows {
  std::vector<LogGrid::Point> points;
  std::vector<double> reference;  // s
  std::vector<double> times;      // s
};

// Each group: the basis fitted to its rows, and the grid of basis time ÷
// measured time over the rows' coordinates (an efficiency against the basis).
[[nodiscard]] std::vector<CalibratedEfficiency::Group> make_groups(const std::map<std::int64_t, GroupRows>& groups,
                                                                   std::size_t dims, bool allow_floor = true);

// 2^(j/4) for j in [from, to]: a quarter-octave ladder.
[[nodiscard]] std::vector<double> quarter_octaves(int from, int to);

// Builds the groups of `rows`: key → (points, reference times, times), each
// row's reference time from `reference` of its shape.
template <class Row, class KeyFn, class CoordFn, class ReferenceFn>
std::vector<CalibratedEfficiency::Group> build_against(const std::vector<Row>& rows, std::size_t dims, KeyFn key,
                                                       CoordFn coord, ReferenceFn reference, bool allow_floor = true) {
  std::map<std::int64_t, GroupRows> groups;
  for (const auto& row : rows) {
    auto& g = groups[key(row.shape)];
    g.points.push_back(coord(row.shape));
    g.reference.push_back(reference(row.shape));
    g.times.push_back(row.time.seconds());
  }
  return make_groups(groups, dims, allow_floor);
}

// Two shape parameters (θ0, θ1).
using Pair = std::array<double, 2>;

// The ladder of pairs (a, b) with a from `first` and b ≥ a from `second`.
[[nodiscard]] std::vector<Pair> ordered_pairs(const std::vector<double>& first, const std::vector<double>& second);

// Builds the groups of `rows` against a basis variable with a shape
// parameter θ (a double, or a Pair), w = variable(prepare(shape), θ): each
// group takes, of the values in `ladder`, the θ whose fit (fit_basis, floor
// included) has the least relative squared error, and its grid then holds
// (a + b·w) ÷ time. `prepare` holds what w needs of a row that θ does not
// change (its roofline, its gathers), computed once a row, not once a rung.
template <class Row, class KeyFn, class CoordFn, class PrepareFn, class VariableFn, class Theta>
std::vector<CalibratedEfficiency::Group> build_fitted(const std::vector<Row>& rows, std::size_t dims, KeyFn key,
                                                      CoordFn coord, PrepareFn prepare, VariableFn variable,
                                                      const std::vector<Theta>& ladder) {
  using Prepared = std::decay_t<std::invoke_result_t<PrepareFn, decltype((rows.front().shape))>>;
  std::map<std::int64_t, std::vector<const Row*>> groups;
  for (const Row& r : rows) groups[key(r.shape)].push_back(&r);
  std::vector<CalibratedEfficiency::Group> out;
  for (const auto& [k, g] : groups) {
    std::vector<double> t, w(g.size());
    std::vector<LogGrid::Point> points;
    std::vector<Prepared> prepared;
    for (const Row* r : g) {
      t.push_back(r->time.seconds());
      points.push_back(coord(r->shape));
      prepared.push_back(prepare(r->shape));
    }
    Basis best;
    Theta best_theta{};
    double best_sse = std::numeric_limits<double>::infinity();
    for (const Theta& theta : ladder) {
      for (std::size_t i = 0; i < g.size(); ++i) w[i] = variable(prepared[i], theta);
      Basis b = fit_basis(w, t, true);
      const double sse = relative_sse(b, w, t);
      if (sse < best_sse) {
        best_sse = sse;
        best = b;
        best_theta = theta;
      }
    }
    if constexpr (std::is_same_v<Theta, Pair>) {
      best.parameter = best_theta;
    } else {
      best.parameter = {best_theta, 0};
    }
    std::vector<double> ratio(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) ratio[i] = best.time(variable(prepared[i], best_theta)) / t[i];
    out.push_back({k, LogGrid(dims, points, ratio), best});
  }
  return out;
}

}  // namespace orrery::models::fit
