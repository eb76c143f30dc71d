#include "sim/exec/link_timeline.hpp"

#include <algorithm>
#include <stdexcept>

namespace orrery::exec {

namespace {

std::uint64_t key(std::int32_t link, std::int64_t bin) {
  return (static_cast<std::uint64_t>(link) << 40) | static_cast<std::uint64_t>(bin);
}

}  // namespace

LinkTimeline::LinkTimeline(Duration bin) : bin_(bin) {
  if (bin.count() <= 0) throw std::logic_error("a link timeline needs a positive bin width");
}

void LinkTimeline::add(std::int32_t link, Time from, Time to, double bytes) {
  if (bytes <= 0) return;
  const std::int64_t w = bin_.count();
  const std::int64_t a = from.ns();
  const std::int64_t b = to.ns();
  if (b <= a) {
    bytes_[key(link, a / w)] += bytes;
    return;
  }
  const double per_ns = bytes / static_cast<double>(b - a);
  for (std::int64_t bin = a / w; bin * w < b; ++bin) {
    const std::int64_t lo = std::max(a, bin * w);
    const std::int64_t hi = std::min(b, (bin + 1) * w);
    bytes_[key(link, bin)] += per_ns * static_cast<double>(hi - lo);
  }
}

std::vector<LinkTimeline::Cell> LinkTimeline::cells() const {
  std::vector<std::pair<std::uint64_t, double>> sorted(bytes_.begin(), bytes_.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<Cell> out;
  out.reserve(sorted.size());
  for (const auto& [k, v] : sorted) {
    out.push_back(Cell{static_cast<std::int32_t>(k >> 40), static_cast<std::int64_t>(k & ((std::uint64_t{1} << 40) - 1)), v});
  }
  return out;
}

}  // namespace orrery::exec
