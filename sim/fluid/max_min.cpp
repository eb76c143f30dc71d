#include "sim/fluid/max_min.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"

namespace orrery::fluid {

std::int32_t MaxMinSolver::add_link(double capacity) {
  if (!(capacity > 0) || !std::isfinite(capacity)) {
    throw ValueError(fmt::format("a link's capacity must be positive and finite, got {}", capacity));
  }
  const auto id = static_cast<std::int32_t>(links_.size());
  links_.emplace_back().capacity = capacity;
  fills_.emplace_back();
  return id;
}

std::int32_t MaxMinSolver::add_flow(std::span<const std::int32_t> links, double cap) {
  if (links.empty()) throw ValueError("a flow must cross at least one link");
  if (!(cap > 0)) throw ValueError(fmt::format("a flow's rate cap must be positive, got {}", cap));
  for (std::int32_t l : links) {
    if (l < 0 || static_cast<std::size_t>(l) >= links_.size()) {
      throw ValueError(fmt::format("a flow crosses link {}, but there are {} links", l, links_.size()));
    }
  }
  std::int32_t id;
  if (free_flows_.empty()) {
    id = static_cast<std::int32_t>(flows_.size());
    flows_.emplace_back();
  } else {
    id = free_flows_.back();
    free_flows_.pop_back();
  }
  Flow& f = flow_at(id);
  f.links.clear();  // keeps its capacity from the slot's last flow
  f.cap = cap;
  f.rate = 0;
  f.live = true;
  f.frozen = false;
  f.fresh = true;
  added_.push_back(id);
  for (std::int32_t l : links) {
    Link& k = link_at(l);
    f.links.push_back(Incidence{l, static_cast<std::int32_t>(k.members.size())});
    k.members.push_back(Member{id, static_cast<std::int32_t>(f.links.size() - 1)});
    mark_dirty(l);
  }
  return id;
}

void MaxMinSolver::remove_flow(std::int32_t flow) {
  if (!live(flow)) throw ValueError(fmt::format("flow {} is not live", flow));
  Flow& f = flow_at(flow);
  for (const Incidence& inc : f.links) {
    // Swap-remove from the link's member list, and repoint the member that moved.
    auto& members = link_at(inc.link).members;
    const Member moved = members.back();
    members[static_cast<std::size_t>(inc.slot)] = moved;
    flow_at(moved.flow).links[static_cast<std::size_t>(moved.incidence)].slot = inc.slot;
    members.pop_back();
    mark_dirty(inc.link);
  }
  if (!f.fresh) removed_floor_ = std::min(removed_floor_, f.rate);
  f.live = false;
  f.fresh = false;
  f.rate = 0;
  free_flows_.push_back(flow);
}

bool MaxMinSolver::live(std::int32_t flow) const {
  return flow >= 0 && static_cast<std::size_t>(flow) < flows_.size() && flow_at(flow).live;
}

void MaxMinSolver::mark_dirty(std::int32_t link) {
  Link& k = link_at(link);
  if (!k.dirty) {
    k.dirty = true;
    dirty_.push_back(link);
  }
}

void MaxMinSolver::solve_all() {
  for (std::size_t l = 0; l < links_.size(); ++l) mark_dirty(static_cast<std::int32_t>(l));
  whole_ = true;
  solve();
}

void MaxMinSolver::solve() {
  if (dirty_.empty()) return;
  ++recomputations_;
  if (!whole_ && alone()) {
    solve_alone();
  } else {
    solve_components();
  }
  solved_total_ += component_flows_.size();
  for (std::int32_t f : added_) flow_at(f).fresh = false;
  added_.clear();
  removed_floor_ = kUncapped;
  whole_ = false;
}

// The region solve, or the whole components (see the header).
void MaxMinSolver::solve_components() {
  const double floor = whole_ ? 0.0 : change_floor();
  bool region = floor > 0;
  bool gathered = false;
  if (region) {
    seeds_.assign(dirty_.begin(), dirty_.end());
    std::size_t members = 0;
    for (std::int32_t l : seeds_) members += link_at(l).members.size();
    if (members > kReplayMembers * seeds_.size()) {
      gather_region(floor);  // busy links: the tight region's sorts would cost more (see gather_tight())
    } else if (!gather_region(floor, kSmallRegion)) {  // a large region: the tight one may be far smaller
      for (std::int32_t l : seeds_) mark_dirty(l);
      if (solve_tight(floor)) return;
      for (std::int32_t l : seeds_) mark_dirty(l);
      gather_region(floor);
    }
    // Replaying a link sorts its members below the floor: when the floor
    // leaves out few flows, filling the whole components costs less. Either
    // way the rates are the same, bit for bit. When it left out none, the
    // region is the whole components already (small ones, typically).
    if (below_floor_ == 0) {
      region = false;
      gathered = true;
    } else if (below_floor_ * 4 < component_flows_.size()) {
      region = false;
      for (std::int32_t l : seeds_) mark_dirty(l);
    }
  }
  if (region) {
    region_shares();
    fill_rounds(kUncapped);
  } else {
    if (!gathered) gather_region(0.0);  // every flow: the whole components
    fill();
  }
}

// The common case of sparse traffic: every changed link now carries no flow
// or only its one new flow. A new flow's links are all changed ones, so each
// new flow is then alone on every link it crosses (one crossing a link twice
// makes that link's members two): a component of its own, whose one round
// freezes it at the least of its links' capacities and its cap. A removed
// flow leaves nothing behind to solve.
bool MaxMinSolver::alone() const {
  return std::all_of(dirty_.begin(), dirty_.end(), [this](std::int32_t l) {
    const Link& k = link_at(l);
    return k.members.empty() || (k.members.size() == 1 && flow_at(k.members.front().flow).fresh);
  });
}

void MaxMinSolver::solve_alone() {
  component_flows_.clear();
  for (std::int32_t id : added_) {
    Flow& f = flow_at(id);
    if (!f.fresh) continue;  // removed before this solve, or listed twice (its slot reused)
    f.fresh = false;
    double rate = f.cap;
    f.bottleneck = -1;
    for (const Incidence& inc : f.links) {
      const double c = link_at(inc.link).capacity;
      if (c < rate) {
        rate = c;
        f.bottleneck = inc.link;
      }
    }
    f.rate = rate;
    f.frozen = true;  // as every flow is after a fill: a later region's rounds pass over it
    component_flows_.push_back(id);
  }
  for (std::int32_t l : dirty_) link_at(l).dirty = false;
  dirty_.clear();
}

// The least level at which the changes since the last solve can alter a round.
double MaxMinSolver::change_floor() {
  double floor = removed_floor_;
  for (std::int32_t id : added_) {
    const Flow& f = flow_at(id);
    if (!f.live) continue;
    floor = std::min(floor, f.cap);
    for (const Incidence& inc : f.links) floor = std::min(floor, saturation_with_new(inc.link));
  }
  return floor;
}

// Replays a link's rounds from its members' last rates with every live member
// counted (new ones included): the first level at which its share falls to
// the next level a member of it froze at, where it would now fill.
double MaxMinSolver::saturation_with_new(std::int32_t link) {
  const Link& k = link_at(link);
  // A link's share R_l / n_l never falls as its flows freeze below it (a flow
  // frozen at λ <= R/n leaves (R - λ)/(n - 1) >= R/n), so C_l / n_l bounds
  // where it fills from below: a lower floor, re-solving more, never fewer,
  // flows. Busy links take the bound rather than sorting their members.
  if (k.members.size() > kReplayMembers) return k.capacity / static_cast<double>(k.members.size());
  std::vector<double>& rates = rates_scratch_;
  rates.clear();
  for (const Member& m : k.members) {
    const Flow& f = flow_at(m.flow);
    if (!f.fresh) rates.push_back(f.rate);
  }
  std::sort(rates.begin(), rates.end());
  double left = k.capacity;
  auto unfrozen = static_cast<std::int64_t>(k.members.size());
  for (std::size_t i = 0; i < rates.size();) {
    const double level = rates[i];
    const double share = std::max(left, 0.0) / static_cast<double>(unfrozen);
    if (share <= level) return share;
    std::size_t j = i;
    while (j < rates.size() && rates[j] == level) ++j;
    left -= level * static_cast<double>(j - i);
    unfrozen -= static_cast<std::int64_t>(j - i);
    i = j;
  }
  return unfrozen > 0 ? std::max(left, 0.0) / static_cast<double>(unfrozen) : kUncapped;
}

// A new gather's marks; when the epoch wraps, the old marks are cleared once.
void MaxMinSolver::next_epoch() {
  if (++epoch_ != 0) return;
  for (Link& k : links_) k.seen = 0;
  for (Flow& f : flows_) f.seen = 0;
  for (Fill& k : fills_) k.replayed = 0;
  epoch_ = 1;
}

// Breadth-first from the changed links over link → flows → links, through the
// flows that may move: new ones and those whose last rate is at the floor or
// above (with floor 0, the union of the components that changed). Above 0 it
// also replays each region link that has members below the floor as it scans
// them (replay_below(); region_shares() takes R_l and n_l at the floor from
// there, and C_l and every member on the others).
bool MaxMinSolver::gather_region(double floor, std::size_t limit) {
  next_epoch();
  component_links_.clear();
  component_flows_.clear();
  below_floor_ = 0;
  for (std::int32_t l : dirty_) {
    link_at(l).dirty = false;
    visit(l);
  }
  dirty_.clear();
  std::vector<double>& rates = rates_scratch_;
  for (std::size_t i = 0; i < component_links_.size(); ++i) {
    const std::int32_t l = component_links_[i];
    __builtin_prefetch(&fill_at(l), 1);  // its fill's line, for the replay or the fill that follows
    rates.clear();
    for (const Member& m : link_at(l).members) {  // visit() appends ids only: the list holds
      Flow& f = flow_at(m.flow);
      if (f.seen == epoch_) continue;  // in the region already (a below-floor flow is never marked)
      if (!f.fresh && f.rate < floor) {
        rates.push_back(f.rate);  // a member below the floor of a region link (each link is scanned once)
        continue;
      }
      f.seen = epoch_;
      component_flows_.push_back(m.flow);
      if (component_flows_.size() > limit) return false;
      for (const Incidence& inc : f.links) visit(inc.link);
    }
    below_floor_ += rates.size();
    if (!rates.empty()) replay_below(l, rates);
  }
  return true;
}

// A region link's R_l and n_l at the floor: its capacity less, rate by rate
// in increasing order, rate × the members frozen there (`rates`, its members
// below the floor).
void MaxMinSolver::replay_below(std::int32_t link, std::vector<double>& rates) {
  Fill& k = fill_at(link);
  k.replayed = epoch_;
  k.left = link_at(link).capacity;
  k.unfrozen = static_cast<std::int32_t>(link_at(link).members.size() - rates.size());
  if (rates.empty()) return;
  std::sort(rates.begin(), rates.end());
  for (std::size_t a = 0; a < rates.size();) {
    std::size_t b = a;
    while (b < rates.size() && rates[b] == rates[a]) ++b;
    k.left -= rates[a] * static_cast<double>(b - a);
    a = b;
  }
}

// The tight region solve (see the header). Returns false when it gave up
// after kTightAttempts fills that a boundary flow could not stay through; the
// rates and every flow's state are then as they were before it.
bool MaxMinSolver::solve_tight(double floor) {
  forced_.clear();
  for (int attempt = 0; attempt < kTightAttempts; ++attempt) {
    if (attempt > 0) {
      for (std::int32_t l : seeds_) mark_dirty(l);
    }
    if (!gather_tight(floor)) break;
    saved_.clear();
    for (std::int32_t f : component_flows_) saved_.push_back({flow_at(f).rate, flow_at(f).bottleneck});
    region_shares();
    violated_ = false;
    fill_rounds(kUncapped);
    if (!violated_) check_boundary_left();
    if (!violated_) {
      clear_boundary();
      return true;
    }
    // A boundary flow would freeze below its rate: put everything back, and
    // try again with it (and the rest of that link's boundary) in the region.
    heap_clear();
    for (std::size_t i = 0; i < component_flows_.size(); ++i) {
      Flow& f = flow_at(component_flows_[i]);
      f.rate = saved_[i].rate;
      f.bottleneck = saved_[i].bottleneck;
      f.frozen = true;
    }
    for (std::int32_t l : component_links_) fill_at(l).frozen_now = 0;
  }
  clear_boundary();
  component_flows_.clear();
  violated_ = false;
  return false;
}

// Once the region's flows are all frozen, the boundary flows still on a link
// leave it at their rates, round by round, and nothing else moves there: the
// rounds a full fill would run on it, replayed link by link. A link that
// would fill before its last boundary flow left fails the tight fill.
void MaxMinSolver::check_boundary_left() {
  for (std::int32_t l : component_links_) {
    const Fill& k = fill_at(l);
    double left = k.left;
    std::int32_t unfrozen = k.unfrozen;
    double share = k.share;
    for (auto b = k.boundary_at; b < k.boundary_end;) {
      const double rate = boundary_[static_cast<std::size_t>(b)].rate;
      auto e = b;
      while (e < k.boundary_end && boundary_[static_cast<std::size_t>(e)].rate == rate) ++e;
      if (share < rate || (share == rate && e < k.boundary_end)) {
        violated_ = true;
        for (; b < k.boundary_end; ++b) forced_.push_back(boundary_[static_cast<std::size_t>(b)].flow);
        break;
      }
      left -= rate * static_cast<double>(e - b);
      unfrozen -= e - b;
      if (unfrozen > 0) share = std::max(left, 0.0) / unfrozen;
      b = e;
    }
  }
}

// Every other fill finds no boundary on its links.
void MaxMinSolver::clear_boundary() {
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.boundary_at = k.boundary_end = 0;
  }
}

void MaxMinSolver::include(std::int32_t flow) {
  Flow& f = flow_at(flow);
  if (f.seen == epoch_) return;
  f.seen = epoch_;
  component_flows_.push_back(flow);
  for (const Incidence& inc : f.links) visit(inc.link);
}

// Breadth-first from the changed links and the forced flows, over link →
// the flows it froze (at or above the floor) and new flows → their links.
// Then each region link's members: those below the floor replayed, as
// gather_region() does; the others not in the region are its boundary, by rate.
bool MaxMinSolver::gather_tight(double floor) {
  next_epoch();
  component_links_.clear();
  component_flows_.clear();
  for (std::int32_t l : dirty_) {
    link_at(l).dirty = false;
    visit(l);
  }
  dirty_.clear();
  for (std::int32_t f : forced_) include(f);
  // One scan of each region link's members: those below the floor are
  // replayed at once (none of them can join the region); the others not in it
  // yet are kept as candidates, the boundary once the region is complete.
  candidates_.clear();
  std::size_t members = 0;
  std::vector<double>& rates = rates_scratch_;
  for (std::size_t i = 0; i < component_links_.size(); ++i) {
    const std::int32_t l = component_links_[i];
    const auto& on_link = link_at(l).members;  // include() appends to the lists, never to members
    members += on_link.size();
    rates.clear();
    fill_at(l).boundary_at = static_cast<std::int32_t>(candidates_.size());
    for (const Member& m : on_link) {
      const Flow& f = flow_at(m.flow);
      if (f.seen == epoch_) continue;
      if (f.fresh || (f.bottleneck == l && f.rate >= floor)) {
        include(m.flow);
      } else if (f.rate < floor) {
        rates.push_back(f.rate);
      } else {
        candidates_.push_back({f.rate, m.flow});
      }
    }
    fill_at(l).boundary_end = static_cast<std::int32_t>(candidates_.size());
    replay_below(l, rates);
  }
  // Busy links (more than kReplayMembers flows each, on average) would cost
  // more in sorting their members than the region saves.
  if (members > kReplayMembers * component_links_.size()) return false;
  boundary_.clear();
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    const auto begin = boundary_.size();
    for (auto c = k.boundary_at; c < k.boundary_end; ++c) {
      const Boundary& b = candidates_[static_cast<std::size_t>(c)];
      if (flow_at(b.flow).seen != epoch_) boundary_.push_back(b);
    }
    std::sort(boundary_.begin() + static_cast<std::ptrdiff_t>(begin), boundary_.end(),
              [](const Boundary& a, const Boundary& b) { return a.rate < b.rate; });
    k.boundary_at = static_cast<std::int32_t>(begin);
    k.boundary_end = static_cast<std::int32_t>(boundary_.size());
  }
  return true;
}

// Each region link's fair share at the floor, from the R_l and n_l that
// gather_region() replayed; every region flow unfrozen.
void MaxMinSolver::region_shares() {
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.frozen_now = 0;
    k.level_now = -1;
    if (k.replayed != epoch_) {  // no member below the floor: R_l and n_l as they start
      k.left = link_at(l).capacity;
      k.unfrozen = static_cast<std::int32_t>(link_at(l).members.size());
    }
    const bool none_below = static_cast<std::size_t>(k.unfrozen) == link_at(l).members.size();
    if (k.unfrozen > 0) k.share = (none_below ? k.left : std::max(k.left, 0.0)) / k.unfrozen;
  }
  unfreeze_region();
}

void MaxMinSolver::visit(std::int32_t link) {
  Link& k = link_at(link);
  if (k.seen == epoch_) return;
  k.seen = epoch_;
  component_links_.push_back(link);
}

void MaxMinSolver::freeze(std::int32_t flow, double level, std::int32_t by) {
  Flow& f = flow_at(flow);
  if (f.frozen) return;
  f.frozen = true;
  f.rate = level;
  f.bottleneck = by;
  --unfrozen_;
  for (const Incidence& inc : f.links) {
    if (fill_at(inc.link).frozen_now++ == 0) touched_.push_back(inc.link);
  }
}

// Progressive filling over the gathered components (the rounds of the header).
// The first round scans the links' keys for the lowest instead of building a heap:
// symmetric traffic (rings, all-to-all, a link's equal flows) is often done in
// one round. Rounds after it take the lowest share from a heap.
void MaxMinSolver::fill() {
  reset();
  fill_rounds(kUncapped);
}

// The rounds from the state reset() or region_shares() left.
void MaxMinSolver::fill_rounds(double level) {
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.next = key(k);
    level = std::min(level, k.next);
  }
  level = std::min(level, next_cap());
  if (!(level < kUncapped)) return;  // no flows
  touched_.clear();
  for (std::int32_t l : component_links_) {
    if (fill_at(l).next == level) take(l, level);
  }
  freeze_capped(level);
  if (violated_) return;
  settle(level);
  if (unfrozen_ == 0) return;

  heap_build();
  while (unfrozen_ > 0) {
    level = std::min(heap_.empty() ? kUncapped : heap_.front().key, next_cap());
    if (!(level < kUncapped)) break;  // unreachable: every unfrozen flow has a link with a live share
    touched_.clear();
    // Every link at the level taken; the shares move in settle().
    while (!heap_.empty() && heap_.front().key == level) {
      const std::int32_t l = heap_.front().link;
      heap_remove(l);
      take(l, level);
    }
    freeze_capped(level);
    if (violated_) return;  // solve_tight() clears the heap
    settle(level);
  }
  heap_clear();  // left only by the unreachable break
}

// A link's part in the round at `level`, where it fills (or, in the first
// round, may fill): its unfrozen flows freeze there. A boundary flow still on
// it past that level is one whose rate the change must lower: the tight fill
// fails.
void MaxMinSolver::take_past_boundary(std::int32_t link, double level) {
  Fill& k = fill_at(link);
  depart_below(k, level);
  depart_at(link, level);
  if (k.unfrozen > k.frozen_now && k.share == level) {
    if (k.boundary_at < k.boundary_end) {
      violated_ = true;
      for (auto b = k.boundary_at; b < k.boundary_end; ++b) forced_.push_back(boundary_[static_cast<std::size_t>(b)].flow);
    }
    for (const Member& m : link_at(link).members) freeze(m.flow, level, link);
  }
}

// The boundary flows of rate `level` leave the link in this round: counted in
// its k_l with the flows that freeze.
void MaxMinSolver::depart_at(std::int32_t link, double level) {
  Fill& k = fill_at(link);
  std::int32_t leaving = 0;
  while (k.boundary_at < k.boundary_end && boundary_[static_cast<std::size_t>(k.boundary_at)].rate == level) {
    ++k.boundary_at;
    ++leaving;
  }
  if (leaving > 0) {
    if (k.frozen_now == 0) touched_.push_back(link);
    k.frozen_now += leaving;
  }
}

void MaxMinSolver::depart_below(Fill& k, double level) {
  while (k.boundary_at < k.boundary_end) {
    const double rate = boundary_[static_cast<std::size_t>(k.boundary_at)].rate;
    if (!(rate < level && rate < k.share)) return;
    std::int32_t leaving = 0;
    while (k.boundary_at < k.boundary_end && boundary_[static_cast<std::size_t>(k.boundary_at)].rate == rate) {
      ++k.boundary_at;
      ++leaving;
    }
    k.base = k.left;
    k.level_now = rate;
    k.count_now = leaving;
    k.left = k.base - rate * leaving;
    k.unfrozen -= leaving;
    if (k.unfrozen > 0) k.share = std::max(k.left, 0.0) / k.unfrozen;
  }
}

double MaxMinSolver::key_past_boundary(const Fill& k) const {
  double left = k.left;
  std::int32_t unfrozen = k.unfrozen;
  double share = k.share;
  for (auto b = k.boundary_at; b < k.boundary_end;) {
    const double rate = boundary_[static_cast<std::size_t>(b)].rate;
    if (!(rate < share)) return share;
    std::int32_t leaving = 0;
    for (; b < k.boundary_end && boundary_[static_cast<std::size_t>(b)].rate == rate; ++b) ++leaving;
    left -= rate * leaving;
    unfrozen -= leaving;
    if (unfrozen == 0) return kUncapped;
    share = std::max(left, 0.0) / unfrozen;
  }
  return share;
}

// R_l ← C_l, n_l ← its flows, every flow unfrozen; the capped flows by (cap, id).
void MaxMinSolver::reset() {
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.left = link_at(l).capacity;
    k.unfrozen = static_cast<std::int32_t>(link_at(l).members.size());
    k.frozen_now = 0;
    k.level_now = -1;
    if (k.unfrozen > 0) k.share = k.left / k.unfrozen;
  }
  unfreeze_region();
}

// Every flow of the region unfrozen; the capped ones by (cap, id).
void MaxMinSolver::unfreeze_region() {
  capped_.clear();
  for (std::int32_t f : component_flows_) {
    Flow& fl = flow_at(f);
    fl.frozen = false;
    if (fl.cap < kUncapped) capped_.push_back(f);
  }
  std::sort(capped_.begin(), capped_.end(), [this](std::int32_t a, std::int32_t b) {
    const double ca = flow_at(a).cap;
    const double cb = flow_at(b).cap;
    return ca < cb || (ca == cb && a < b);
  });
  next_cap_ = 0;
  unfrozen_ = component_flows_.size();
}

// The lowest cap among unfrozen flows (+inf when none).
double MaxMinSolver::next_cap() {
  while (next_cap_ < capped_.size() && flow_at(capped_[next_cap_]).frozen) ++next_cap_;
  return next_cap_ < capped_.size() ? flow_at(capped_[next_cap_]).cap : kUncapped;
}

void MaxMinSolver::freeze_capped(double level) {
  for (; next_cap_ < capped_.size() && flow_at(capped_[next_cap_]).cap == level; ++next_cap_) {
    freeze(capped_[next_cap_], level, -1);
  }
}

// The end of a round: R_l ← R_l − λ·k_l, n_l ← n_l − k_l on the links it touched,
// and their new shares (on the heap, when there is one).
void MaxMinSolver::settle(double level) {
  for (std::int32_t l : touched_) {
    Fill& k = fill_at(l);
    if (k.boundary_at < k.boundary_end) {
      depart_below(k, level);
      depart_at(l, level);
    }
    if (k.level_now != level) {
      k.base = k.left;
      k.level_now = level;
      k.count_now = 0;
    }
    k.count_now += k.frozen_now;
    k.left = k.base - level * k.count_now;
    k.unfrozen -= k.frozen_now;
    k.frozen_now = 0;
    if (k.unfrozen == 0) {
      if (k.heap_at >= 0) heap_remove(l);
      continue;
    }
    k.share = std::max(k.left, 0.0) / k.unfrozen;  // rounding may leave R_l a hair below 0
    k.next = key(k);
    if (!heap_live_) continue;  // the first round: the heap is built after it
    if (k.heap_at < 0) {
      heap_push(l);  // taken out at a level where it did not fill after all (rounding)
    } else if (heap_[static_cast<std::size_t>(k.heap_at)].key != k.next) {
      heap_move(static_cast<std::size_t>(k.heap_at), k.next);
    }
  }
}

}  // namespace orrery::fluid
