// Summaries of a sample (request latencies, frame times, query latencies):
// quantiles as numpy's default computes them, and the mean and quantiles of a
// sample as summary keys NAME_mean_s, NAME_p50_s, ...
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "sim/core/summary.hpp"

namespace orrery::workload {

// The q-quantile by linear interpolation between closest ranks (numpy's
// default), of sorted values; 0 for none.
[[nodiscard]] inline double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - static_cast<double>(lo));
}

// Sets NAME_mean_s and NAME_pQQ_s for each percentile QQ in `percentiles` (seconds).
inline void set_distribution(Summary& out, const std::string& name, std::vector<double> values,
                             std::initializer_list<int> percentiles) {
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (const double v : values) sum += v;
  out.set(name + "_mean_s", values.empty() ? 0.0 : sum / static_cast<double>(values.size()));
  for (const int p : percentiles) out.set(name + "_p" + std::to_string(p) + "_s", quantile(values, p / 100.0));
}

}  // namespace orrery::workload
