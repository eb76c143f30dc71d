// Line mode of the max-min solver (max_min.hpp, "Lines"): learning the lines
// from the flows, and filling a component as a run of positions on its line.
#include <algorithm>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

// Each pair of consecutive links (a, b) of the flow says that b follows a.
// That holds if b already follows a, or if a ends its line and b starts
// another (the two lines then join, a's first); anything else — a followed
// by another link, b preceded by another, or a and b ends of one line (a
// cycle) — contradicts the lines.
bool MaxMinSolver::learn_line(std::span<const std::int32_t> links) {
  // Sized to the links flows have crossed: a network whose routes break the
  // lines at once (a fat tree's) never holds an entry per link.
  const std::int32_t top = *std::max_element(links.begin(), links.end());
  if (line_links_.size() <= static_cast<std::size_t>(top)) line_links_.resize(static_cast<std::size_t>(top) + 1);
  const auto at = [this](std::int32_t l) -> LineLink& { return line_links_[static_cast<std::size_t>(l)]; };
  for (const std::int32_t l : links) {
    if (at(l).line >= 0) continue;
    at(l).line = static_cast<std::int32_t>(lines_.size());
    at(l).pos = 0;
    lines_.push_back({l});
    line_incidences_.push_back(0);
  }
  for (std::size_t i = 0; i + 1 < links.size(); ++i) {
    const std::int32_t a = links[i];
    const std::int32_t b = links[i + 1];
    if (at(a).next == b) continue;
    if (at(a).next >= 0 || at(b).prev >= 0 || at(a).line == at(b).line) return false;
    auto& head = lines_[static_cast<std::size_t>(at(a).line)];
    auto& tail = lines_[static_cast<std::size_t>(at(b).line)];
    for (const std::int32_t l : tail) {
      at(l).line = at(a).line;
      at(l).pos = static_cast<std::int32_t>(head.size());
      head.push_back(l);
    }
    tail.clear();
    line_incidences_[static_cast<std::size_t>(at(a).line)] += line_incidences_[static_cast<std::size_t>(at(b).line)];
    line_incidences_[static_cast<std::size_t>(at(b).line)] = 0;
    at(a).next = b;
    at(b).prev = a;
  }
  return true;
}

// The general solve keeps state between solves: each flow's bottleneck,
// which a line fill writes as the general fill does (the full link that froze
// it, or -1 for its cap), and the links' ledgers, which a line fill leaves
// exact nowhere. So the general solves can take over at once.
void MaxMinSolver::leave_lines() {
  on_lines_ = false;
  line_links_.clear();
  line_links_.shrink_to_fit();
  lines_.clear();
  lines_.shrink_to_fit();
  line_incidences_.clear();
  line_incidences_.shrink_to_fit();
}

void MaxMinSolver::line_add(std::int32_t flow) {
  const Flow& f = flow_at(flow);
  for (std::size_t i = 0; i + 1 < f.links.size(); ++i) ++line_links_[static_cast<std::size_t>(f.links[i].link)].bridges;
  const LineLink& first = line_links_[static_cast<std::size_t>(f.links.front().link)];
  line_incidences_[static_cast<std::size_t>(first.line)] += static_cast<double>(f.links.size());
  auto& starts = line_links_[static_cast<std::size_t>(f.links.front().link)].starts;
  const auto length = static_cast<std::int32_t>(f.links.size());
  const auto after =
      std::find_if(starts.begin(), starts.end(), [&](const LineLink::Start& s) { return s.length < length; });
  starts.insert(after, LineLink::Start{f.cap, length, flow});
}

void MaxMinSolver::line_remove(std::int32_t flow) {
  const Flow& f = flow_at(flow);
  for (std::size_t i = 0; i + 1 < f.links.size(); ++i) --line_links_[static_cast<std::size_t>(f.links[i].link)].bridges;
  line_incidences_[static_cast<std::size_t>(line_links_[static_cast<std::size_t>(f.links.front().link)].line)] -=
      static_cast<double>(f.links.size());
  auto& starts = line_links_[static_cast<std::size_t>(f.links.front().link)].starts;
  starts.erase(std::find_if(starts.begin(), starts.end(), [&](const LineLink::Start& s) { return s.flow == flow; }));
}

// Each changed link's component: the run of positions around it joined by
// flows that cross a link and the next. The runs worth a fill over positions
// (the header: 4·I ≥ m²) are filled so; the other changed links are left to
// the general solve, which runs first (its gather restarts the solved flows).
void MaxMinSolver::solve_lines() {
  line_runs_.clear();
  if (++line_epoch_ == 0) {
    for (LineLink& k : line_links_) k.run_epoch = 0;
    line_epoch_ = 1;
  }
  std::size_t kept = 0;
  for (const std::int32_t d : dirty_) {
    LineLink& ld = line_links_[static_cast<std::size_t>(d)];
    const auto& line = lines_[static_cast<std::size_t>(ld.line)];
    const auto links_on_line = static_cast<double>(line.size());
    const bool line_dense = 4 * line_incidences_[static_cast<std::size_t>(ld.line)] >= links_on_line * links_on_line;
    if (line_dense && ld.run_epoch != line_epoch_) {
      const auto at = [&](std::int32_t p) -> LineLink& {
        return line_links_[static_cast<std::size_t>(line[static_cast<std::size_t>(p)])];
      };
      std::int32_t x = ld.pos;
      std::int32_t y = ld.pos;
      while (x > 0 && at(x - 1).bridges > 0) --x;
      while (static_cast<std::size_t>(y) + 1 < line.size() && at(y).bridges > 0) ++y;
      double incidences = 0;
      for (std::int32_t p = x; p <= y; ++p) incidences += static_cast<double>(link_at(line[static_cast<std::size_t>(p)]).members.size());
      const double m = y - x + 1;
      const bool by_line = 4 * incidences >= m * m;
      for (std::int32_t p = x; p <= y; ++p) {
        at(p).run_epoch = line_epoch_;
        at(p).run_by_line = by_line;
      }
      if (by_line) line_runs_.push_back({ld.line, x, y});
    }
    if (line_dense && ld.run_by_line) {
      link_at(d).dirty = false;
    } else {
      dirty_[kept++] = d;
    }
  }
  dirty_.resize(kept);
  component_flows_.clear();
  if (!dirty_.empty()) solve_components();
  for (const LineRun& r : line_runs_) fill_line(lines_[static_cast<std::size_t>(r.line)], r.x, r.y);
  line_fills_ += line_runs_.size();
}

// Progressive filling of the run [x, y] of `line` (fill_rounds() and
// settle() in max_min.cpp, over positions). Every flow of the component
// starts in the run, and every flow that starts there ends there. The rounds
// work on the run's entries alone; the flows get their rates at the end.
void MaxMinSolver::fill_line(const std::vector<std::int32_t>& line, std::int32_t x, std::int32_t y) {
  const auto m = static_cast<std::size_t>(y - x + 1);
  const auto link_of = [&](std::size_t i) { return line[static_cast<std::size_t>(x) + i]; };
  run_.resize(m + 1);
  bucket_at_.resize(m);
  bucket_end_.resize(m);
  entries_.clear();
  run_capped_.clear();
  for (std::size_t i = 0; i < m; ++i) {
    const std::int32_t l = link_of(i);
    Run& r = run_[i];
    ledgers_[static_cast<std::size_t>(l)].exact_below = 0;  // its rounds are not written down
    r.left = link_at(l).capacity;
    r.unfrozen = static_cast<std::int32_t>(link_at(l).members.size());
    r.level_now = -1;
    r.count_now = 0;
    r.diff = 0;
    if (r.unfrozen > 0) r.share = r.left / r.unfrozen;
    bucket_at_[i] = static_cast<std::int32_t>(entries_.size());
    for (const LineLink::Start& s : line_links_[static_cast<std::size_t>(l)].starts) {
      if (s.cap < kUncapped) run_capped_.push_back(static_cast<std::int32_t>(entries_.size()));
      const auto first = static_cast<std::int32_t>(i);
      entries_.push_back({s.cap, 0.0, first, first + s.length - 1, s.flow, -1, false});
    }
    bucket_end_[i] = static_cast<std::int32_t>(entries_.size());
  }
  run_[m].diff = 0;
  std::sort(run_capped_.begin(), run_capped_.end(), [this](std::int32_t a, std::int32_t b) {
    const Entry& ea = entries_[static_cast<std::size_t>(a)];
    const Entry& eb = entries_[static_cast<std::size_t>(b)];
    return ea.cap < eb.cap || (ea.cap == eb.cap && ea.flow < eb.flow);
  });
  std::size_t next_cap = 0;
  const auto entry = [this](std::int32_t e) -> Entry& { return entries_[static_cast<std::size_t>(e)]; };
  std::size_t unfrozen = entries_.size();

  while (unfrozen > 0) {
    while (next_cap < run_capped_.size() && entry(run_capped_[next_cap]).frozen) ++next_cap;
    double level = next_cap < run_capped_.size() ? entry(run_capped_[next_cap]).cap : kUncapped;
    for (std::size_t i = 0; i < m; ++i) {
      if (run_[i].unfrozen > 0) level = std::min(level, run_[i].share);
    }
    if (!(level < kUncapped)) break;  // unreachable: every unfrozen flow has a link with a live share
    frozen_round_.clear();
    // From the last position down, the nearest full link at or after i: a
    // flow starting at i crosses a full link exactly when it reaches that one.
    std::int32_t full = -1;
    for (std::size_t i = m; i-- > 0;) {
      if (run_[i].unfrozen > 0 && run_[i].share == level) full = static_cast<std::int32_t>(i);
      if (full < 0) continue;
      std::int32_t& at = bucket_at_[i];
      for (; at < bucket_end_[i]; ++at) {
        Entry& e = entry(at);
        if (e.frozen) continue;  // frozen at its cap in an earlier round
        if (e.last < full) break;
        e.frozen = true;
        e.rate = level;
        e.bottleneck = link_of(static_cast<std::size_t>(full));
        frozen_round_.push_back(at);
      }
    }
    for (; next_cap < run_capped_.size() && entry(run_capped_[next_cap]).cap == level; ++next_cap) {
      Entry& e = entry(run_capped_[next_cap]);
      if (e.frozen) continue;
      e.frozen = true;
      e.rate = level;
      e.bottleneck = -1;
      frozen_round_.push_back(run_capped_[next_cap]);
    }
    if (frozen_round_.empty()) break;  // unreachable: a full link's unfrozen flows all cross it
    unfrozen -= frozen_round_.size();
    for (const std::int32_t f : frozen_round_) {
      ++run_[static_cast<std::size_t>(entry(f).first)].diff;
      --run_[static_cast<std::size_t>(entry(f).last) + 1].diff;
    }
    // R_l ← base − λ·count, n_l ← n_l − k_l: settle() in max_min.cpp.
    std::int32_t k = 0;
    for (std::size_t i = 0; i < m; ++i) {
      Run& r = run_[i];
      k += r.diff;
      r.diff = 0;
      if (k == 0) continue;
      if (r.level_now != level) {
        r.base = r.left;
        r.level_now = level;
        r.count_now = 0;
      }
      r.count_now += k;
      r.left = r.base - level * r.count_now;
      r.unfrozen -= k;
      if (r.unfrozen > 0) r.share = std::max(r.left, 0.0) / r.unfrozen;
    }
    run_[m].diff = 0;
  }
  for (const Entry& e : entries_) {
    Flow& f = flow_at(e.flow);
    f.rate = e.rate;
    f.frozen = true;
    f.bottleneck = e.bottleneck;
    component_flows_.push_back(e.flow);
  }
}

}  // namespace orrery::fluid
