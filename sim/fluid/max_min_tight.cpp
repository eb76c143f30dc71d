// MaxMinSolver's tight region (max_min.hpp, "The tight region"): the flows
// whose bottleneck a change reaches, the boundary flows held at their rates on
// its links, and the checks that a boundary flow could stay.
//
// The tight region. In a large component most flows above the floor still do
// not move: a flow moves only if a link that froze it changes. solve()
// records what froze each flow (a link, or its cap: its bottleneck), and
// when the region above holds more than kSmallRegion flows it first tries a
// smaller one: breadth-first from the changed links, only the new flows, and
// the flows at or above the floor whose bottleneck is a link reached, with
// all their links. Every other flow on those links at or above the floor is
// a boundary flow: held at its rate, it leaves each such link at that rate,
// in the round at that level, counted in k_l with the region's flows (a
// link's boundary flows are sorted by rate, and leave lazily: a link's key
// in the heap is where it fills once those below that level have left).
// The fill is the max-min allocation if no boundary flow had to move: the
// region's flows have their bottlenecks in the region; a boundary flow's
// bottleneck is a link the region does not reach, so that link, its flows
// and their rates are as they were, and it is still full with the flow at
// the top (uniqueness: max_min.hpp). A boundary flow must move only if a link of
// the region fills while it is still on it, above that level: the fill then
// stops, every rate is put back, and the fill runs again with those flows in
// the region (at most kTightAttempts times, then the region above). When it
// holds, its rates are bit for bit those of the full fill: each link sees the
// same levels and counts. A change that touches busy links (more than
// kReplayMembers flows a link, on average) skips it: sorting their members
// would cost more than it saves.
//
// Most of a tight region's links are crossed by its flows without ever
// filling: the fill leaves them out until its level reaches a bound below
// which they cannot fill (lazy links, max_min_lazy.hpp). Busy links keep the
// rounds of their last fill, read at the floor instead of replaying their
// members (the ledger, max_min_region.cpp).
#include <algorithm>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

// The tight region solve (see the header). Returns false when it gave up
// after kTightAttempts fills that a boundary flow could not stay through; the
// rates and every flow's state are then as they were before it.
bool MaxMinSolver::solve_tight(double floor) {
  forced_.clear();
  for (int attempt = 0; attempt < kTightAttempts; ++attempt) {
    if (attempt > 0) {
      for (std::int32_t l : seeds_) mark_dirty(l);
    }
    if (!gather_tight(floor)) {
      for (std::int32_t f : component_flows_)
        flow_at(f).frozen = !flow_at(f).fresh;  // as include() found them
      break;
    }
    region_shares(true);
    violated_ = false;
    fill_rounds(kUncapped);
    if (!violated_) check_boundary_left();
    if (!violated_) {
      lazy_.saved += lazy_.spared;  // the member scans of the links still lazy
      clear_boundary(true);
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
  clear_boundary(false);
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
    if (k.boundary_at == k.boundary_end) continue;
    const PastBoundary p = past_boundary(k);
    if (p.at < k.boundary_end && boundary_[static_cast<std::size_t>(k.boundary_end) - 1].rate > p.level) {
      violated_ = true;
      for (auto b = p.at; b < k.boundary_end; ++b) forced_.push_back(boundary_[static_cast<std::size_t>(b)].flow);
    }
  }
}

// Every other fill finds no boundary on its links. After a tight fill that
// held, a link that had no boundary flow has every round in its ledger (a
// boundary flow's rounds are not written down).
void MaxMinSolver::clear_boundary(bool filled) {
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.boundary_at = k.boundary_end = 0;
    k.lazy = false;  // only a tight fill has lazy links
    if (filled && k.keeps_ledger && !k.had_boundary) ledgers_[static_cast<std::size_t>(l)].exact_below = kUncapped;
  }
}

// Breadth-first from the changed links and the forced flows, over link →
// the flows it froze (at or above the floor) and new flows → their links;
// then each region link is started: its members below the floor replayed
// (or its ledger read), the others not in the region its boundary, by rate.
// While loads are kept, a link's held list gives the flows it froze and
// start_links() starts the links, keeping some lazy; else one scan of each
// link's members finds them and starts it, keeping the others as candidates
// for the boundary once the region is complete.
bool MaxMinSolver::gather_tight(double floor) {
  next_epoch();
  lazy_.counting = lazy_.accounted && lazy_.ok;  // else no link is kept lazy: no bound to count for
  component_links_.clear();
  component_flows_.clear();
  saved_.clear();
  capped_.clear();
  for (std::int32_t l : dirty_) {
    link_at(l).dirty = false;
    visit_tight(l);
  }
  dirty_.clear();
  for (std::int32_t f : added_) {
    if (flow_at(f).fresh) include(f);
  }
  for (std::int32_t f : forced_) include(f);
  candidates_.clear();
  std::size_t members = 0;
  // Wave by wave: the links of the flows a wave took in join the region
  // (take_pending(); none wait unless the gather counts) before the next.
  take_pending();
  for (std::size_t i = 0; i < component_links_.size(); take_pending()) {
    for (; i < component_links_.size(); ++i) {
      const std::int32_t l = component_links_[i];
      members += link_at(l).members.size();
      if (lazy_.accounted) {
        for (auto f = lazy_.loads[static_cast<std::size_t>(l)].held; f >= 0; f = flow_at(f).held_next) {
          if (flow_at(f).rate >= floor) include(f);
        }
      } else {
        scan_tight(l, floor);
      }
    }
  }
  // Busy links (more than kReplayMembers flows each, on average) would cost
  // more in sorting their members than the region saves.
  if (members > kReplayMembers * component_links_.size()) return false;
  if (lazy_.accounted) {
    start_links(floor);
  } else {
    boundary_from_candidates();
  }
  // A tight gather soon after another starts the loads, for the next gathers.
  if (!lazy_.accounted && !line_.on && lazy_.solves_since_tight <= lazy::State::kTightOften &&
      lazy_.solves_since_stop >= lazy_.wait) {
    account_all();
  }
  lazy_.solves_since_tight = 0;
  return true;
}

// One scan of a region link's members, without loads: those below the floor
// replayed at once (none of them can join the region), those the link froze
// included, the others not in the region yet kept as candidates.
void MaxMinSolver::scan_tight(std::int32_t link, double floor) {
  const auto& on_link = link_at(link).members;  // include() appends to the region's lists, never to these
  const bool from_ledger = ledger_exact(link, floor);
  Scratch<double>& rates = rates_scratch_;
  rates.clear();
  Fill& k = fill_at(link);
  k.lazy = false;
  k.boundary_at = static_cast<std::int32_t>(candidates_.size());
  for (const Member& m : on_link) {
    const Flow& f = flow_at(m.flow);
    if (f.seen == epoch_) continue;
    if (f.bottleneck == link && f.rate >= floor) {
      include(m.flow);
    } else if (f.rate < floor) {
      if (!from_ledger) rates.push_back(f.rate);
    } else {
      candidates_.push_back({f.rate, m.flow});
    }
  }
  k.boundary_end = static_cast<std::int32_t>(candidates_.size());
  start_at_floor(link, floor, from_ledger);
}

// A region link's R_l and n_l at the floor: from its ledger, or replayed from
// its members below the floor that the scan left in rates_scratch_.
void MaxMinSolver::start_at_floor(std::int32_t link, double floor, bool from_ledger) {
  if (from_ledger) {
    start_from_ledger(link, floor);
  } else {
    replay_below(link, rates_scratch_, floor);
  }
}

// The candidates still out of the complete region: each link's boundary, by rate.
void MaxMinSolver::boundary_from_candidates() {
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
    k.had_boundary = k.boundary_at < k.boundary_end;
  }
}

// One scan of a region link's members: those below the floor are replayed
// (or its ledger read), the others not in the region are its boundary, by
// rate. With `frozen` (a woken lazy link, bring_up()), the region's frozen
// flows' rates go to lazy_.region_rates, and so do the boundary's rates up to
// the highest of them, which bring_up() replays with them: only the boundary
// above is kept and sorted.
void MaxMinSolver::boundary_of(std::int32_t link, double floor, bool frozen) {
  const bool from_ledger = ledger_exact(link, floor);
  Scratch<double>& rates = rates_scratch_;
  rates.clear();
  Fill& k = fill_at(link);
  const auto begin = boundary_.size();
  const auto& members = link_at(link).members;
  for (const Member& m : members) __builtin_prefetch(&flow_at(m.flow));  // the misses overlap, not one by one
  // Each member written to all three lists, each list's end moved only for
  // the members it takes: whether a member is in the region, below the floor
  // or neither follows no pattern, and a branch on it (waiting on the
  // member's record) would mispredict.
  Scratch<double>& region = lazy_.region_rates;
  const std::size_t region_at = region.size();
  rates.resize(members.size());
  boundary_.resize(begin + members.size());
  region.resize(region_at + members.size());
  std::size_t nr = 0;
  std::size_t nb = begin;
  std::size_t ng = region_at;
  double last = -kUncapped;  // the highest frozen region rate
  for (const Member& m : members) {
    const Flow& f = flow_at(m.flow);
    const bool in = f.seen == epoch_;
    const bool below = f.rate < floor;
    rates[nr] = f.rate;
    nr += static_cast<std::size_t>(!in & below & !from_ledger);
    boundary_[nb] = {f.rate, m.flow};
    nb += static_cast<std::size_t>(!in & !below);
    region[ng] = f.rate;
    const bool frozen_in = in & frozen & f.frozen;
    ng += static_cast<std::size_t>(frozen_in);
    last = std::max(last, pick(frozen_in, f.rate, -kUncapped));
  }
  rates.resize(nr);
  region.resize(ng);
  k.had_boundary = nb > begin;
  if (frozen) {
    // Each boundary entry written to both places, each end moved by where it goes.
    region.resize(ng + (nb - begin));
    std::size_t kept = begin;
    for (std::size_t i = begin; i < nb; ++i) {
      const Boundary b = boundary_[i];
      const bool below = b.rate <= last;
      region[ng] = b.rate;
      ng += static_cast<std::size_t>(below);
      boundary_[kept] = b;
      kept += static_cast<std::size_t>(!below);
    }
    region.resize(ng);
    nb = kept;
  }
  boundary_.resize(nb);
  std::sort(boundary_.begin() + static_cast<std::ptrdiff_t>(begin), boundary_.end(),
            [](const Boundary& a, const Boundary& b) { return a.rate < b.rate; });
  k.boundary_at = static_cast<std::int32_t>(begin);
  k.boundary_end = static_cast<std::int32_t>(boundary_.size());
  start_at_floor(link, floor, from_ledger);
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
    freeze_members(link, level);
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
    leave(k, rate, leaving);
  }
}

// `count` flows leave the link at `level` in a round of its own: R_l from the
// R_l before it, as settle() computes it for a level's first round.
void MaxMinSolver::leave(Fill& k, double level, std::int32_t count) {
  k.base = k.left;
  k.level_now = level;
  k.count_now = count;
  k.left = k.base - level * count;
  k.unfrozen -= count;
  if (k.unfrozen > 0) k.share = std::max(k.left, 0.0) / k.unfrozen;
}

// From the link's state, its boundary flows leave rate by rate while their
// rate is below its share (each rate its own round, as depart_below() runs
// them): the level where it then fills (+inf when all left first: nothing
// is left on it once the region's flows are frozen), and the first boundary
// entry still on it.
MaxMinSolver::PastBoundary MaxMinSolver::past_boundary(const Fill& k) const {
  double left = k.left;
  std::int32_t unfrozen = k.unfrozen;
  double share = k.share;
  for (auto b = k.boundary_at; b < k.boundary_end;) {
    const double rate = boundary_[static_cast<std::size_t>(b)].rate;
    if (!(rate < share)) return {share, b};
    std::int32_t leaving = 0;
    for (; b < k.boundary_end && boundary_[static_cast<std::size_t>(b)].rate == rate; ++b) ++leaving;
    left -= rate * leaving;
    unfrozen -= leaving;
    if (unfrozen == 0) return {kUncapped, b};
    share = std::max(left, 0.0) / unfrozen;
  }
  return {share, k.boundary_end};
}

}  // namespace orrery::fluid
