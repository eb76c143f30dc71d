// MaxMinSolver's tight region (max_min.hpp, "The tight region"): the flows
// whose bottleneck a change reaches, the boundary flows held at their rates on
// its links, and the checks that a boundary flow could stay.
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
    if (!gather_tight(floor)) break;
    saved_.clear();
    for (std::int32_t f : component_flows_) saved_.push_back({flow_at(f).rate, flow_at(f).bottleneck});
    region_shares();
    violated_ = false;
    fill_rounds(kUncapped);
    if (!violated_) check_boundary_left();
    if (!violated_) {
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
    if (filled && k.keeps_ledger && !k.had_boundary) ledgers_[static_cast<std::size_t>(l)].exact_below = kUncapped;
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
    const bool from_ledger = ledger_exact(l, floor);
    rates.clear();
    fill_at(l).boundary_at = static_cast<std::int32_t>(candidates_.size());
    for (const Member& m : on_link) {
      const Flow& f = flow_at(m.flow);
      if (f.seen == epoch_) continue;
      if (f.fresh || (f.bottleneck == l && f.rate >= floor)) {
        include(m.flow);
      } else if (f.rate < floor) {
        if (!from_ledger) rates.push_back(f.rate);
      } else {
        candidates_.push_back({f.rate, m.flow});
      }
    }
    fill_at(l).boundary_end = static_cast<std::int32_t>(candidates_.size());
    if (from_ledger) {
      start_from_ledger(l, floor);
    } else {
      replay_below(l, rates, floor);
    }
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
    k.had_boundary = k.boundary_at < k.boundary_end;
  }
  return true;
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
