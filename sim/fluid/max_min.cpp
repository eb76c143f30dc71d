#include "sim/fluid/max_min.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
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
  lazy_heap_.add();
  ledgers_.emplace_back();
  lazy_.loads.emplace_back();
  return id;
}

std::int32_t MaxMinSolver::add_flow(std::span<const std::int32_t> links, double cap) {
  check_flow(links, cap);
  const std::int32_t id = reserve_flow();
  place(id, links, cap);
  return id;
}

void MaxMinSolver::check_flow(std::span<const std::int32_t> links, double cap) const {
  if (links.empty()) throw ValueError("a flow must cross at least one link");
  if (!(cap > 0)) throw ValueError(fmt::format("a flow's rate cap must be positive, got {}", cap));
  for (std::int32_t l : links) {
    if (l < 0 || static_cast<std::size_t>(l) >= links_.size()) {
      throw ValueError(fmt::format("a flow crosses link {}, but there are {} links", l, links_.size()));
    }
  }
}

std::int32_t MaxMinSolver::new_flow_slot() {
  flows_.emplace_back();
  return static_cast<std::int32_t>(flows_.size() - 1);
}

void MaxMinSolver::place_flow(std::int32_t flow, std::span<const std::int32_t> links, double cap) {
  check_unplaced(flow);
  check_flow(links, cap);
  place(flow, links, cap);
}

void MaxMinSolver::check_unplaced(std::int32_t flow) const {
  if (flow < 0 || static_cast<std::size_t>(flow) >= flows_.size() || flow_at(flow).live) {
    throw ValueError(fmt::format("flow {} is not a reserved id", flow));
  }
}

void MaxMinSolver::place(std::int32_t id, std::span<const std::int32_t> links, double cap) {
  if (line_.on && !learn_line(links)) leave_lines();
  Flow& f = flow_at(id);
  f.links.clear();  // keeps its capacity from the slot's last flow
  f.cap = cap;
  f.rate = 0;
  if (lazy_.accounted) {  // else account_all()
    f.loaded = 0;
    f.held_by = f.held_next = f.held_prev = -1;
  }
  f.live = true;
  f.frozen = false;
  f.fresh = true;
  added_.push_back(id);
  for (std::int32_t l : links) {
    Link& k = link_at(l);
    f.links.push_back(Incidence{l, static_cast<std::int32_t>(k.members.size())});
    k.members.push_back(Member{id, static_cast<std::int32_t>(f.links.size() - 1)});
    if (k.members.size() == kLedgerMembers + 1) ledgers_[static_cast<std::size_t>(l)].exact_below = 0;  // busy from now
    mark_dirty(l);
  }
  if (line_.on) line_add(id);
}

void MaxMinSolver::remove_flow(std::int32_t flow) {
  if (!live(flow)) throw ValueError(fmt::format("flow {} is not live", flow));
  if (line_.on) line_remove(flow);
  Flow& f = flow_at(flow);
  if (lazy_.accounted) {
    unhold(flow);
    add_load(f, -f.loaded);
  }
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
  } else if (line_.on && !whole_) {
    solve_lines();
  } else {
    solve_components();
  }
  solved_total_ += component_flows_.size();
  ++lazy_.solves_since_tight;
  if (lazy_.accounted) {
    account();
  } else {
    ++lazy_.solves_since_stop;
  }
  lazy_.ok = true;
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
    } else if (lazy_.accounted || !gather_region(floor, kSmallRegion)) {
      // A large region: the tight one may be far smaller. While loads are
      // kept its gather follows the held lists, so any region tries it first.
      if (!lazy_.accounted) {
        for (std::int32_t l : seeds_) mark_dirty(l);
      }
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
  ledgers_exact(kUncapped);  // (a link that keeps none is not read)
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
  // Each link listed at the end of touched_, which moves past the links its
  // round had not touched yet: no branch on which those are.
  const std::size_t at = touched_.size();
  touched_.resize(at + f.links.size());
  std::size_t fresh = 0;
  for (const Incidence& inc : f.links) {
    touched_[at + fresh] = inc.link;
    fresh += static_cast<std::size_t>(fill_at(inc.link).frozen_now++ == 0);
  }
  touched_.resize(at + fresh);
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
  // With lazy links the rounds start on the heaps, which region_shares()
  // built: each lazy link's bound comes up in its order.
  assert(lazy_.links == 0 || heap_live_);
  if (lazy_.links == 0) {
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
  }
  while (unfrozen_ > 0) {
    level = std::min(heap_.empty() ? kUncapped : heap_.front().key, next_cap());
    // Lazy links at or below the level are woken first: each woken moves to
    // the heap at its key (settle() keeps a lazy link's entry at its bound).
    for (std::int32_t l = lazy_heap_.due(level); l >= 0; l = lazy_heap_.due(level)) {
      wake(l);
      if (violated_) return;
      level = std::min(heap_.empty() ? kUncapped : heap_.front().key, next_cap());
    }
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

// R_l ← C_l, n_l ← its flows, every flow unfrozen; the capped flows by (cap, id).
void MaxMinSolver::reset() {
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.left = link_at(l).capacity;
    k.unfrozen = static_cast<std::int32_t>(link_at(l).members.size());
    k.frozen_now = 0;
    k.level_now = -1;
    if (k.unfrozen > 0) k.share = k.left / k.unfrozen;
    begin_ledger(l, k);
  }
  unfreeze_region();
}

// Every flow of the region unfrozen; the capped ones by (cap, id).
void MaxMinSolver::unfreeze_region() {
  capped_.clear();
  for (std::int32_t f : component_flows_) {
    flow_at(f).frozen = false;
    if (flow_at(f).cap < kUncapped) capped_.push_back(f);
  }
  start_rounds();
}

// The region's capped flows by (cap, id), and every one of its flows unfrozen.
void MaxMinSolver::start_rounds() {
  std::sort(capped_.begin(), capped_.end(), [this](std::int32_t a, std::int32_t b) {
    return flow_at(a).cap < flow_at(b).cap || (flow_at(a).cap == flow_at(b).cap && a < b);
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
    if (k.lazy) {  // it cannot fill yet: its bound rises (bring_up() counts from the rates)
      lazy::Load& bound = lazy_.loads[static_cast<std::size_t>(l)];
      bound.region_load -= level * k.frozen_now;
      bound.region_on -= k.frozen_now;
      k.frozen_now = 0;
      // With lazy links every round is on the heap, and a lazy link with an
      // unfrozen region flow waits by its bound (finite, and only rising).
      k.next = lazy::bound(bound);
      assert(lazy_heap_.contains(l));
      if (!(k.next < kUncapped)) {
        lazy_heap_.remove(l);  // nothing on it can fill any more
      } else if (lazy_heap_.bound(l) != k.next) {
        lazy_heap_.move(l, k.next);
      }
      continue;
    }
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
    if (k.keeps_ledger) record(l, level, k.left, k.frozen_now);
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
