#include "models/compute/calibration_fit.hpp"

#include <algorithm>
#include <cmath>

namespace orrery::models::fit {

Basis fit_basis(const std::vector<double>& w, const std::vector<double>& t, bool allow_floor) {
  double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double x = 1 / t[i];
    const double y = w[i] / t[i];
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    sx += x;
    sy += y;
  }
  const Basis proportional{0, sy / syy};
  bool floor_shows = false;  // O(n log n): each row against the fastest row of at least 4 times its work
  {
    std::vector<std::size_t> order(w.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return w[a] < w[b]; });
    std::vector<double> fastest_above(order.size() + 1, std::numeric_limits<double>::infinity());
    for (std::size_t k = order.size(); k-- > 0;) fastest_above[k] = std::min(fastest_above[k + 1], t[order[k]]);
    for (std::size_t k = 0, j = 0; k < order.size() && !floor_shows; ++k) {
      while (j < order.size() && w[order[j]] < 4 * w[order[k]]) ++j;
      floor_shows = fastest_above[j] <= 2 * t[order[k]];
    }
  }
  const double det = sxx * syy - sxy * sxy;
  if (!allow_floor || !floor_shows || !(det > 1e-9 * sxx * syy)) return proportional;
  const double a = (sx * syy - sy * sxy) / det;
  const double b = (sy * sxx - sx * sxy) / det;
  const double fastest = *std::min_element(t.begin(), t.end());
  if (!(a >= 0 && b > 0 && a <= fastest)) return proportional;
  return {a, b};
}

double relative_sse(const Basis& b, const std::vector<double>& w, const std::vector<double>& t) {
  double sse = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double r = b.time(w[i]) / t[i] - 1;
    sse += r * r;
  }
  return sse;
}

std::vector<CalibratedEfficiency::Group> make_groups(const std::map<std::int64_t, GroupRows>& groups,
                                                     std::size_t dims, bool allow_floor) {
  std::vector<CalibratedEfficiency::Group> out;
  for (const auto& [key, g] : groups) {
    const Basis basis = fit_basis(g.reference, g.times, allow_floor);
    std::vector<double> ratio(g.times.size());
    for (std::size_t i = 0; i < g.times.size(); ++i) ratio[i] = basis.time(g.reference[i]) / g.times[i];
    out.push_back({key, LogGrid(dims, g.points, ratio), basis});
  }
  return out;
}

std::vector<Pair> ordered_pairs(const std::vector<double>& first, const std::vector<double>& second) {
  std::vector<Pair> out;
  for (const double a : first) {
    for (const double b : second) {
      if (b >= a) out.push_back({a, b});
    }
  }
  return out;
}

std::vector<double> quarter_octaves(int from, int to) {
  std::vector<double> out;
  for (int j = from; j <= to; ++j) out.push_back(std::exp2(j / 4.0));
  return out;
}

}  // namespace orrery::models::fit
