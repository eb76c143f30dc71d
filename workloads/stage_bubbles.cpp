#include "workloads/stage_bubbles.hpp"

#include <algorithm>
#include <limits>

namespace orrery::workload {

StageBubbles::StageBubbles(int stages)
    : busy_(static_cast<std::size_t>(stages), 0.0),
      first_(static_cast<std::size_t>(stages), std::numeric_limits<std::int64_t>::max()),
      last_(static_cast<std::size_t>(stages), 0) {}

void StageBubbles::busy(int stage, std::int64_t start, std::int64_t end) {
  const auto s = static_cast<std::size_t>(stage);
  busy_[s] += static_cast<double>(end - start);
  first_[s] = std::min(first_[s], start);
  last_[s] = std::max(last_[s], end);
}

void StageBubbles::summarize(std::int64_t iteration, Summary& out) const {
  const auto T = static_cast<double>(iteration);
  const std::size_t n = busy_.size();
  std::vector<double> fraction(n), span_idle(n, 0.0);
  double mean = 0;
  for (std::size_t s = 0; s < n; ++s) {
    fraction[s] = T > 0 ? 1.0 - busy_[s] / T : 0.0;
    mean += fraction[s];
    if (first_[s] <= last_[s]) span_idle[s] = (static_cast<double>(last_[s] - first_[s]) - busy_[s]) * 1e-9;
  }
  out.set("bubble_fraction", n > 0 ? mean / static_cast<double>(n) : 0.0);
  out.set("bubble_fraction_per_stage", fraction);
  out.set("bubble_s", n > 0 ? *std::ranges::max_element(span_idle) : 0.0);
  out.set("bubble_s_per_stage", span_idle);
}

std::int64_t StageBubbles::longest_span() const {
  std::int64_t longest = 0;
  for (std::size_t s = 0; s < busy_.size(); ++s) {
    if (first_[s] <= last_[s]) longest = std::max(longest, last_[s] - first_[s]);
  }
  return longest;
}

}  // namespace orrery::workload
