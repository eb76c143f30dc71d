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
    gather_region(floor);
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
    for (const Incidence& inc : f.links) rate = std::min(rate, link_at(inc.link).capacity);
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

// Breadth-first from the changed links over link → flows → links, through the
// flows that may move: new ones and those whose last rate is at the floor or
// above (with floor 0, the union of the components that changed). Above 0 it
// also replays each region link below the floor as it scans the link's
// members: its capacity less, rate by rate in increasing order, rate × the
// members frozen there (the rounds' own subtractions), and its members left
// unfrozen (R_l and n_l at the floor; region_shares() takes them from there).
void MaxMinSolver::gather_region(double floor) {
  if (++epoch_ == 0) {  // the epoch wrapped: clear the old marks once
    for (Link& k : links_) k.seen = 0;
    for (Flow& f : flows_) f.seen = 0;
    epoch_ = 1;
  }
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
    Link& k = link_at(component_links_[i]);  // visit() appends ids only: the reference holds
    rates.clear();
    for (const Member& m : k.members) {
      Flow& f = flow_at(m.flow);
      if (f.seen == epoch_) continue;  // in the region already (a below-floor flow is never marked)
      if (!f.fresh && f.rate < floor) {
        rates.push_back(f.rate);  // a member below the floor of a region link (each link is scanned once)
        continue;
      }
      f.seen = epoch_;
      component_flows_.push_back(m.flow);
      for (const Incidence& inc : f.links) visit(inc.link);
    }
    below_floor_ += rates.size();
    if (floor > 0) {
      std::sort(rates.begin(), rates.end());
      k.left = k.capacity;
      for (std::size_t a = 0; a < rates.size();) {
        std::size_t b = a;
        while (b < rates.size() && rates[b] == rates[a]) ++b;
        k.left -= rates[a] * static_cast<double>(b - a);
        a = b;
      }
      k.unfrozen = static_cast<std::int32_t>(k.members.size() - rates.size());
    }
  }
}

// Each region link's fair share at the floor, from the R_l and n_l that
// gather_region() replayed; every region flow unfrozen.
void MaxMinSolver::region_shares() {
  for (std::int32_t l : component_links_) {
    Link& k = link_at(l);
    k.frozen_now = 0;
    const bool none_below = static_cast<std::size_t>(k.unfrozen) == k.members.size();
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

void MaxMinSolver::freeze(std::int32_t flow, double level) {
  Flow& f = flow_at(flow);
  if (f.frozen) return;
  f.frozen = true;
  f.rate = level;
  --unfrozen_;
  for (const Incidence& inc : f.links) {
    if (link_at(inc.link).frozen_now++ == 0) touched_.push_back(inc.link);
  }
}

// Progressive filling over the gathered components (the rounds of the header).
// The first round scans the shares for the lowest instead of building a heap:
// symmetric traffic (rings, all-to-all, a link's equal flows) is often done in
// one round. Rounds after it take the lowest share from a heap.
void MaxMinSolver::fill() {
  reset();
  fill_rounds(kUncapped);
}

// The rounds from the state reset() or region_shares() left.
void MaxMinSolver::fill_rounds(double level) {
  for (std::int32_t l : component_links_) {
    const Link& k = link_at(l);
    if (k.unfrozen > 0) level = std::min(level, k.share);
  }
  level = std::min(level, next_cap());
  if (!(level < kUncapped)) return;  // no flows
  touched_.clear();
  for (std::int32_t l : component_links_) {
    const Link& k = link_at(l);
    if (k.unfrozen > 0 && k.share == level) {
      for (const Member& m : k.members) freeze(m.flow, level);
    }
  }
  freeze_capped(level);
  settle(level);
  if (unfrozen_ == 0) return;

  heap_build();
  while (unfrozen_ > 0) {
    level = std::min(heap_.empty() ? kUncapped : heap_.front().share, next_cap());
    if (!(level < kUncapped)) break;  // unreachable: every unfrozen flow has a link with a live share
    touched_.clear();
    // Every link at the level, its flows frozen; the shares move in settle().
    while (!heap_.empty() && heap_.front().share == level) {
      const std::int32_t l = heap_.front().link;
      heap_remove(l);
      for (const Member& m : link_at(l).members) freeze(m.flow, level);
    }
    freeze_capped(level);
    settle(level);
  }
  for (const HeapEntry& e : heap_) link_at(e.link).heap_at = -1;  // left only by the unreachable break
  heap_.clear();
}

// R_l ← C_l, n_l ← its flows, every flow unfrozen; the capped flows by (cap, id).
void MaxMinSolver::reset() {
  for (std::int32_t l : component_links_) {
    Link& k = link_at(l);
    k.left = k.capacity;
    k.unfrozen = static_cast<std::int32_t>(k.members.size());
    k.frozen_now = 0;
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
    freeze(capped_[next_cap_], level);
  }
}

// The end of a round: R_l ← R_l − λ·k_l, n_l ← n_l − k_l on the links it touched,
// and their new shares (on the heap, when there is one).
void MaxMinSolver::settle(double level) {
  for (std::int32_t l : touched_) {
    Link& k = link_at(l);
    k.left -= level * k.frozen_now;
    k.unfrozen -= k.frozen_now;
    k.frozen_now = 0;
    if (k.unfrozen == 0) {
      if (k.heap_at >= 0) heap_remove(l);
      continue;
    }
    const double share = std::max(k.left, 0.0) / k.unfrozen;  // rounding may leave R_l a hair below 0
    if (share != k.share) {
      k.share = share;
      if (k.heap_at >= 0) heap_update(l);  // not yet in it during the first round
    }
  }
}

}  // namespace orrery::fluid
