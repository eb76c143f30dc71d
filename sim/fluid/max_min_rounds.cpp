// MaxMinSolver's rounds of progressive filling (max_min.hpp, "Progressive
// filling"): the fill over the gathered components or a region, each round's
// freezes at its level, and the shares they move (settle()).
#include <algorithm>
#include <cassert>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

void MaxMinSolver::freeze(std::int32_t flow, double level, std::int32_t by) {
  Flow& f = flow_at(flow);
  if (f.frozen) return;
  f.frozen = true;
  f.rate = level;
  f.bottleneck = by;
  --unfrozen_;
  touch_links(f.links.begin(), f.links.end());
}

// Every member of a link that fills frozen at the level, as freeze() does
// each: which of them are frozen already (by lower levels, or out of the
// region) follows no pattern, so each member's rate and bottleneck are
// selected by a mask, and the unfrozen ones listed, rather than branched on.
void MaxMinSolver::freeze_members(std::int32_t link, double level) {
  const auto& members = link_at(link).members;
  freezing_.resize(members.size());
  std::size_t n = 0;
  for (const Member& m : members) {
    Flow& f = flow_at(m.flow);
    const bool now = !f.frozen;  // it freezes now
    f.rate = pick(now, level, f.rate);
    f.bottleneck = pick(now, link, f.bottleneck);
    f.frozen = true;
    freezing_[n] = m.flow;
    n += static_cast<std::size_t>(now);
  }
  unfrozen_ -= n;
  // Their links in one list, each flow's copied as a fixed block whatever its
  // length (a loop over each flow's 2 to 6 links mispredicted its end once a
  // flow), then touched in one loop.
  flow_links_.clear();
  for (std::size_t i = 0; i < n; ++i) append_links(flow_links_, flow_at(freezing_[i]).links);
  touch_links(flow_links_.begin(), flow_links_.end());
  flow_links_.clear();
}

void MaxMinSolver::touch_links(const Incidence* first_link, const Incidence* last_link) {
  // Each link listed at the end of touched_ (a lazy one at the end of
  // touched_lazy_), and the list's end moved past the links its round had
  // not touched yet: no branch on which those are, nor on which are lazy.
  const auto count = static_cast<std::size_t>(last_link - first_link);
  const std::size_t at = touched_.size();
  const std::size_t at_lazy = touched_lazy_.size();
  touched_.resize(at + count);
  touched_lazy_.resize(at_lazy + count);
  std::size_t fresh = 0;
  std::size_t fresh_lazy = 0;
  for (const Incidence* inc = first_link; inc != last_link; ++inc) {
    Fill& k = fill_at(inc->link);
    const bool first = k.frozen_now++ == 0;
    touched_[at + fresh] = inc->link;
    touched_lazy_[at_lazy + fresh_lazy] = inc->link;
    fresh += static_cast<std::size_t>(first & !k.lazy);
    fresh_lazy += static_cast<std::size_t>(first & k.lazy);
  }
  touched_.resize(at + fresh);
  touched_lazy_.resize(at_lazy + fresh_lazy);
}

// A link's part in the round at `level`: its unfrozen flows freeze if it
// fills there; one with boundary flows first lets those below leave.
void MaxMinSolver::take(std::int32_t link, double level) {
  const Fill& k = fill_at(link);
  if (k.boundary_at < k.boundary_end) {
    take_past_boundary(link, level);
  } else if (k.unfrozen > k.frozen_now && k.share == level) {
    freeze_members(link, level);
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
    touched_lazy_.clear();
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
    touched_lazy_.clear();
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
  // The lazy links apart (touch_links() listed them apart): each link's
  // state is its own, so the order of the two lists moves no rate.
  for (std::int32_t l : touched_lazy_) {
    Fill& k = fill_at(l);
    // It cannot fill yet: its bound rises (bring_up() counts from the rates).
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
  }
  for (std::int32_t l : touched_) {
    Fill& k = fill_at(l);
    assert(!k.lazy);
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
