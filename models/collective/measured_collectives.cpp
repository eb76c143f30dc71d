#include "models/collective/measured_collectives.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace orrery::models {

MeasuredCollectives::MeasuredCollectives(const std::vector<CollectiveRow>& rows) {
  for (const CollectiveRow& r : rows) {
    auto g = std::find_if(groups_.begin(), groups_.end(), [&](const Group& x) {
      return x.op == r.op && x.ranks == r.ranks && x.fabric == r.fabric;
    });
    if (g == groups_.end()) g = groups_.insert(groups_.end(), Group{r.op, r.ranks, r.fabric, {}});
    g->points.emplace_back(static_cast<double>(r.bytes.count()), r.time.seconds());
  }
  // Sizes measured twice keep their mean.
  for (Group& g : groups_) {
    std::sort(g.points.begin(), g.points.end());
    std::vector<std::pair<double, double>> merged;
    std::size_t i = 0;
    while (i < g.points.size()) {
      std::size_t j = i;
      double sum = 0;
      while (j < g.points.size() && g.points[j].first == g.points[i].first) sum += g.points[j++].second;
      merged.emplace_back(g.points[i].first, sum / static_cast<double>(j - i));
      i = j;
    }
    g.points = std::move(merged);
  }
}

const MeasuredCollectives::Group* MeasuredCollectives::find(task::CollectiveOp op, int ranks,
                                                            std::string_view fabric) const {
  for (const Group& g : groups_) {
    if (g.op == op && g.ranks == ranks && g.fabric == fabric) return &g;
  }
  return nullptr;
}

double MeasuredCollectives::interpolate(const Group& g, double bytes) {
  const auto& p = g.points;
  if (bytes <= p.front().first) return p.front().second;
  if (bytes >= p.back().first) return p.back().second * bytes / p.back().first;
  const auto hi = std::upper_bound(p.begin(), p.end(), bytes,
                                   [](double b, const std::pair<double, double>& x) { return b < x.first; });
  const auto lo = hi - 1;
  const double f = std::log(bytes / lo->first) / std::log(hi->first / lo->first);
  return std::exp(std::log(lo->second) + f * std::log(hi->second / lo->second));
}

const MeasuredCollectives::Group* MeasuredCollectives::pricing(task::CollectiveOp op, int ranks,
                                                               std::string_view fabric, bool& half) const {
  half = false;
  if (const Group* g = find(op, ranks, fabric)) return g;
  if (op != task::CollectiveOp::kAllGather && op != task::CollectiveOp::kReduceScatter) return nullptr;
  half = true;
  return find(task::CollectiveOp::kAllReduce, ranks, fabric);
}

std::optional<Duration> MeasuredCollectives::time(task::CollectiveOp op, int ranks, std::string_view fabric,
                                                  Bytes bytes) const {
  bool half = false;
  const Group* g = bytes.count() > 0 ? pricing(op, ranks, fabric, half) : nullptr;
  if (!g) return std::nullopt;
  const double s = interpolate(*g, static_cast<double>(bytes.count())) / (half ? 2 : 1);
  return Duration::ceil_ns(s * 1e9 - 1e-6);
}

std::optional<double> MeasuredCollectives::distance(task::CollectiveOp op, int ranks, std::string_view fabric,
                                                    Bytes bytes) const {
  bool half = false;
  const Group* g = bytes.count() > 0 ? pricing(op, ranks, fabric, half) : nullptr;
  if (!g) return std::nullopt;
  double d = std::numeric_limits<double>::infinity();
  for (const auto& [b, s] : g->points) d = std::min(d, std::fabs(std::log2(b / static_cast<double>(bytes.count()))));
  return d;
}

}  // namespace orrery::models
