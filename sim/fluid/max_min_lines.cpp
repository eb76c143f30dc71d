// Line mode of the max-min solver (max_min_lines.hpp): learning the lines
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
  if (line_.links.size() <= static_cast<std::size_t>(top)) line_.links.resize(static_cast<std::size_t>(top) + 1);
  const auto at = [this](std::int32_t l) -> lines::Link& { return line_.links[static_cast<std::size_t>(l)]; };
  for (const std::int32_t l : links) {
    if (at(l).line >= 0) continue;
    at(l).line = static_cast<std::int32_t>(line_.lines.size());
    at(l).pos = 0;
    line_.lines.push_back({l});
    line_.incidences.push_back(0);
  }
  for (std::size_t i = 0; i + 1 < links.size(); ++i) {
    const std::int32_t a = links[i];
    const std::int32_t b = links[i + 1];
    if (at(a).next == b) continue;
    if (at(a).next >= 0 || at(b).prev >= 0 || at(a).line == at(b).line) return false;
    auto& head = line_.lines[static_cast<std::size_t>(at(a).line)];
    auto& tail = line_.lines[static_cast<std::size_t>(at(b).line)];
    for (const std::int32_t l : tail) {
      at(l).line = at(a).line;
      at(l).pos = static_cast<std::int32_t>(head.size());
      head.push_back(l);
    }
    tail.clear();
    line_.incidences[static_cast<std::size_t>(at(a).line)] += line_.incidences[static_cast<std::size_t>(at(b).line)];
    line_.incidences[static_cast<std::size_t>(at(b).line)] = 0;
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
  line_ = lines::State{};  // frees it all
  line_.on = false;
}

void MaxMinSolver::line_add(std::int32_t flow) {
  const Flow& f = flow_at(flow);
  for (std::size_t i = 0; i + 1 < f.links.size(); ++i) ++line_.links[static_cast<std::size_t>(f.links[i].link)].bridges;
  const lines::Link& first = line_.links[static_cast<std::size_t>(f.links.front().link)];
  line_.incidences[static_cast<std::size_t>(first.line)] += static_cast<double>(f.links.size());
  auto& starts = line_.links[static_cast<std::size_t>(f.links.front().link)].starts;
  const auto length = static_cast<std::int32_t>(f.links.size());
  const auto after =
      std::find_if(starts.begin(), starts.end(), [&](const lines::Link::Start& s) { return s.length < length; });
  starts.insert(after, lines::Link::Start{f.cap, length, flow});
}

void MaxMinSolver::line_remove(std::int32_t flow) {
  const Flow& f = flow_at(flow);
  for (std::size_t i = 0; i + 1 < f.links.size(); ++i) --line_.links[static_cast<std::size_t>(f.links[i].link)].bridges;
  line_.incidences[static_cast<std::size_t>(line_.links[static_cast<std::size_t>(f.links.front().link)].line)] -=
      static_cast<double>(f.links.size());
  auto& starts = line_.links[static_cast<std::size_t>(f.links.front().link)].starts;
  starts.erase(std::find_if(starts.begin(), starts.end(), [&](const lines::Link::Start& s) { return s.flow == flow; }));
}

// Each changed link's component: the run of positions around it joined by
// flows that cross a link and the next. The runs worth a fill over positions
// (the header: 4·I ≥ m²) are filled so; the other changed links are left to
// the general solve, which runs first (its gather restarts the solved flows).
void MaxMinSolver::solve_lines() {
  line_.runs.clear();
  if (++line_.epoch == 0) {
    for (lines::Link& k : line_.links) k.run_epoch = 0;
    line_.epoch = 1;
  }
  std::size_t kept = 0;
  for (const std::int32_t d : dirty_) {
    lines::Link& ld = line_.links[static_cast<std::size_t>(d)];
    const auto& line = line_.lines[static_cast<std::size_t>(ld.line)];
    const auto links_on_line = static_cast<double>(line.size());
    const bool line_dense = 4 * line_.incidences[static_cast<std::size_t>(ld.line)] >= links_on_line * links_on_line;
    if (line_dense && ld.run_epoch != line_.epoch) {
      const auto at = [&](std::int32_t p) -> lines::Link& {
        return line_.links[static_cast<std::size_t>(line[static_cast<std::size_t>(p)])];
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
        at(p).run_epoch = line_.epoch;
        at(p).run_by_line = by_line;
      }
      if (by_line) line_.runs.push_back({ld.line, x, y});
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
  for (const lines::Span& r : line_.runs) fill_line(line_.lines[static_cast<std::size_t>(r.line)], r.x, r.y);
  line_.fills += line_.runs.size();
}

// Progressive filling of the run [x, y] of `line` (fill_rounds() and
// settle() in max_min.cpp, over positions). Every flow of the component
// starts in the run, and every flow that starts there ends there. The rounds
// work on the run's entries alone; the flows get their rates at the end.
void MaxMinSolver::fill_line(const std::vector<std::int32_t>& line, std::int32_t x, std::int32_t y) {
  const auto m = static_cast<std::size_t>(y - x + 1);
  const auto link_of = [&](std::size_t i) { return line[static_cast<std::size_t>(x) + i]; };
  line_.run.resize(m + 1);
  line_.bucket_at.resize(m);
  line_.bucket_end.resize(m);
  line_.entries.clear();
  line_.capped.clear();
  const auto entry = [this](std::int32_t e) -> lines::Entry& { return line_.entries[static_cast<std::size_t>(e)]; };
  // The last position that the first flow left in position i's bucket reaches, or -1.
  const auto reach = [&](std::size_t i) {
    const std::int32_t at = line_.bucket_at[i];
    return at < line_.bucket_end[i] ? entry(at).last : -1;
  };
  for (std::size_t i = 0; i < m; ++i) {
    const std::int32_t l = link_of(i);
    lines::Run& r = line_.run[i];
    ledgers_[static_cast<std::size_t>(l)].exact_below = 0;  // its rounds are not written down
    r.left = link_at(l).capacity;
    r.unfrozen = static_cast<std::int32_t>(link_at(l).members.size());
    r.level_now = -1;
    r.count_now = 0;
    r.diff = 0;
    if (r.unfrozen > 0) r.share = r.left / r.unfrozen;
    line_.bucket_at[i] = static_cast<std::int32_t>(line_.entries.size());
    for (const lines::Link::Start& s : line_.links[static_cast<std::size_t>(l)].starts) {
      if (s.cap < kUncapped) line_.capped.push_back(static_cast<std::int32_t>(line_.entries.size()));
      const auto first = static_cast<std::int32_t>(i);
      line_.entries.push_back({s.cap, 0.0, first, first + s.length - 1, s.flow, -1, false});
    }
    line_.bucket_end[i] = static_cast<std::int32_t>(line_.entries.size());
    r.reach = reach(i);
  }
  line_.run[m].diff = 0;
  std::sort(line_.capped.begin(), line_.capped.end(), [&](std::int32_t a, std::int32_t b) {
    return entry(a).cap < entry(b).cap || (entry(a).cap == entry(b).cap && entry(a).flow < entry(b).flow);
  });
  std::size_t next_cap = 0;
  std::size_t unfrozen = line_.entries.size();
  // The live positions (a flow still unfrozen crosses them), in order, each
  // with the next one: a flow frozen in a round crosses live positions only,
  // so a dead one takes no count and the rounds pass it by. And the least
  // live share: each round's settle pass finds both for the next.
  // keep(i) appends a live position (rewriting the list in place: i comes
  // from at or after the write), close() ends the list.
  auto& live = line_.live;
  live.resize(m);
  std::size_t kept = 0;
  double least_share = kUncapped;
  const auto keep = [&](std::int32_t i) {
    least_share = std::min(least_share, line_.run[static_cast<std::size_t>(i)].share);
    if (kept > 0) line_.run[static_cast<std::size_t>(live[kept - 1])].next = i;
    live[kept++] = i;
  };
  const auto close = [&] {
    live.resize(kept);
    if (kept > 0) line_.run[static_cast<std::size_t>(live.back())].next = static_cast<std::int32_t>(m);
  };
  for (std::size_t i = 0; i < m; ++i) {
    if (line_.run[i].unfrozen > 0) keep(static_cast<std::int32_t>(i));
  }
  close();

  while (unfrozen > 0) {
    while (next_cap < line_.capped.size() && entry(line_.capped[next_cap]).frozen) ++next_cap;
    double level = next_cap < line_.capped.size() ? entry(line_.capped[next_cap]).cap : kUncapped;
    level = std::min(level, least_share);
    if (!(level < kUncapped)) break;  // unreachable: every unfrozen flow has a link with a live share
    line_.frozen_round.clear();
    // From the last position down, the nearest full link at or after i: a
    // flow starting at i crosses a full link exactly when it reaches that one.
    std::int32_t full = -1;
    for (std::size_t j = live.size(); j-- > 0;) {
      const auto i = static_cast<std::size_t>(live[j]);
      if (line_.run[i].share == level) full = static_cast<std::int32_t>(i);
      if (full < 0 || line_.run[i].reach < full) continue;  // no flow of its bucket reaches a full link
      std::int32_t& at = line_.bucket_at[i];
      for (; at < line_.bucket_end[i]; ++at) {
        lines::Entry& e = entry(at);
        if (e.frozen) continue;  // frozen at its cap in an earlier round
        if (e.last < full) break;
        e.frozen = true;
        e.rate = level;
        e.bottleneck = link_of(static_cast<std::size_t>(full));
        line_.frozen_round.push_back(at);
      }
      line_.run[i].reach = reach(i);
    }
    for (; next_cap < line_.capped.size() && entry(line_.capped[next_cap]).cap == level; ++next_cap) {
      lines::Entry& e = entry(line_.capped[next_cap]);
      if (e.frozen) continue;
      e.frozen = true;
      e.rate = level;
      e.bottleneck = -1;
      line_.frozen_round.push_back(line_.capped[next_cap]);
    }
    if (line_.frozen_round.empty()) break;  // unreachable: a full link's unfrozen flows all cross it
    unfrozen -= line_.frozen_round.size();
    for (const std::int32_t f : line_.frozen_round) {
      ++line_.run[static_cast<std::size_t>(entry(f).first)].diff;
      --line_.run[static_cast<std::size_t>(line_.run[static_cast<std::size_t>(entry(f).last)].next)].diff;
    }
    // R_l ← base − λ·count, n_l ← n_l − k_l: settle() in max_min.cpp. The
    // same pass finds the next round's least share.
    std::int32_t k = 0;
    least_share = kUncapped;
    kept = 0;
    for (std::size_t j = 0; j < live.size(); ++j) {
      const std::int32_t i = live[j];
      lines::Run& r = line_.run[static_cast<std::size_t>(i)];
      k += r.diff;
      r.diff = 0;
      if (k != 0) {
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
      if (r.unfrozen > 0) keep(i);
    }
    close();
    line_.run[m].diff = 0;
  }
  // Only the flows whose rate or bottleneck moved are written and listed
  // (solved_flows()); under heavy load about half of a run's flows keep both.
  // The flows sit wherever their ids put them: each is asked for a few
  // entries ahead, so that the reads do not wait on the memory one by one.
  constexpr std::size_t kAhead = 16;
  const std::size_t n = line_.entries.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(&flow_at(line_.entries[i + kAhead].flow), 1);
    const lines::Entry& e = line_.entries[i];
    Flow& f = flow_at(e.flow);
    if (f.frozen && f.rate == e.rate && f.bottleneck == e.bottleneck) {
      ++solved_total_;  // computed, and as it was
      continue;
    }
    f.rate = e.rate;
    f.frozen = true;
    f.bottleneck = e.bottleneck;
    component_flows_.push_back(e.flow);
  }
}

}  // namespace orrery::fluid
