#include "sim/horizon/bubble_filling.hpp"

#include <algorithm>
#include <limits>

namespace orrery::horizon {

std::vector<Interval> gaps(std::vector<Interval> busy, Time end) {
  std::sort(busy.begin(), busy.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> out;
  Time at = Time::zero();
  for (const Interval& b : busy) {
    if (b.start > at) out.push_back({at, std::min(b.start, end)});
    at = std::max(at, b.end);
    if (at >= end) break;
  }
  if (at < end) out.push_back({at, end});
  return out;
}

FillResult fill_bubbles(const std::vector<DeviceFill>& devices, Time iteration_end) {
  FillResult r;
  const double T = (iteration_end - Time::zero()).seconds();
  double min_refresh = std::numeric_limits<double>::max();
  double smallest = std::numeric_limits<double>::max();
  bool any_refresh = false;
  for (const DeviceFill& d : devices) {
    std::vector<Interval> free = gaps(d.busy, iteration_end);
    double busy = T;
    for (const Interval& g : free) busy -= (g.end - g.start).seconds();
    double placed_time = 0, refresh_all = 0, refresh_placed = 0;
    for (std::size_t i = 0; i < d.fillers.size(); ++i) {
      const Filler& f = d.fillers[i];
      if (f.refresh) refresh_all += f.duration.seconds();
      bool placed = false;
      for (Interval& g : free) {
        if (g.end - g.start >= f.duration) {
          r.placed.push_back({d.device, i, g.start, g.start + f.duration});
          g.start = g.start + f.duration;
          placed = true;
          break;
        }
      }
      if (placed) {
        placed_time += f.duration.seconds();
        if (f.refresh) refresh_placed += f.duration.seconds();
      } else {
        r.unplaced_s += f.duration.seconds();
        if (!f.refresh) r.every_step_unplaced_s += f.duration.seconds();
      }
    }
    for (const Interval& g : free) {
      if (g.end > g.start) smallest = std::min(smallest, (g.end - g.start).seconds());
    }
    r.utilization_before += T > 0 ? busy / T : 0;
    r.utilization_after += T > 0 ? (busy + placed_time) / T : 0;
    if (refresh_all > 0) {
      any_refresh = true;
      min_refresh = std::min(min_refresh, refresh_placed / refresh_all);
    }
  }
  if (!devices.empty()) {
    r.utilization_before /= static_cast<double>(devices.size());
    r.utilization_after /= static_cast<double>(devices.size());
  }
  r.refreshes_per_iteration = any_refresh ? min_refresh : 0;
  r.smallest_gap_s = smallest == std::numeric_limits<double>::max() ? 0 : smallest;
  return r;
}

void record(const FillResult& r, const std::vector<DeviceFill>& devices, trace::Recorder& rec) {
  Summary& s = rec.summary();
  s.set("utilization_before", r.utilization_before);
  s.set("utilization_after", r.utilization_after);
  s.set("filler_unplaced_s", r.unplaced_s);
  s.set("filler_every_step_unplaced_s", r.every_step_unplaced_s);
  s.set("kfac_refreshes_per_iteration", r.refreshes_per_iteration);
  std::vector<std::string> names;
  auto& t = rec.table("fillers", {"device", "start_s", "end_s", "filler"});
  for (const PlacedFiller& p : r.placed) {
    const auto& d = *std::find_if(devices.begin(), devices.end(), [&](const DeviceFill& x) { return x.device == p.device; });
    const std::string& name = d.fillers[p.filler].name;
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      names.push_back(name);
      it = names.end() - 1;
    }
    t.add({static_cast<double>(p.device), p.start.seconds(), p.end.seconds(), static_cast<double>(it - names.begin())});
  }
  t.labels.emplace_back("fillers", names);
}

}  // namespace orrery::horizon
