// MaxMinSolver's region above the floor (max_min.hpp, "Within a component"):
// the least level a change can alter, the flows at or above it that reach a
// changed link, and each region link's R_l and n_l replayed at the floor.
//
// The ledger. Each link keeps the rounds of its last fill: after each level
// at which flows on it froze (or boundary flows left it), R_l and how many
// had frozen so far (Ledger). A region's R_l and n_l at the floor are then
// the last step below the floor, found by bisection, instead of a sort and
// replay of the link's members below it; the same subtractions in the same
// order made those steps, so R_l is the same, bit for bit. A ledger is exact
// below a level (Ledger::exact_below): after a fill of the region above the
// floor or of whole components, everywhere on its links; once a gather has
// started a link at a floor, below that floor (the steps above are the next
// fill's to write; a tight fill writes them for the links without boundary
// flows only: it does not write a boundary flow's round down). Removing a
// flow of rate r needs nothing: the next solve's floor is at most r, and it
// starts every changed link there. A gather whose floor is above that level
// replays the members (and writes the ledger from the replay). Only busy
// links (more than kLedgerMembers flows) keep a ledger: sorting a few rates
// costs less than writing every round down. A link that becomes
// busy starts with a ledger exact nowhere, so its first gather replays.
#include <algorithm>
#include <cassert>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

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
  Scratch<double>& rates = rates_scratch_;
  rates.clear();
  for (const Member& m : k.members) {
    const Flow& f = flow_at(m.flow);
    if (!f.fresh) rates.push_back(f.rate);
  }
  sort_few(rates, 0);
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
  lazy_.links = 0;  // only start_links() keeps links lazy
  lazy_.spared = 0;
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
  Scratch<double>& rates = rates_scratch_;
  for (std::size_t i = 0; i < component_links_.size(); ++i) {
    const std::int32_t l = component_links_[i];
    __builtin_prefetch(&fill_at(l), 1);  // its fill's line, for the replay or the fill that follows
    const bool from_ledger = floor > 0 && ledger_exact(l, floor);
    rates.clear();
    std::size_t below = 0;
    for (const Member& m : link_at(l).members) {  // visit() appends ids only: the list holds
      Flow& f = flow_at(m.flow);
      if (f.seen == epoch_) continue;  // in the region already (a below-floor flow is never marked)
      if (!f.fresh && f.rate < floor) {
        ++below;  // a member below the floor of a region link (each link is scanned once)
        if (!from_ledger) rates.push_back(f.rate);
        continue;
      }
      f.seen = epoch_;
      component_flows_.push_back(m.flow);
      if (component_flows_.size() > limit) return false;
      for (const Incidence& inc : f.links) visit(inc.link);
    }
    below_floor_ += below;
    if (from_ledger) {
      start_from_ledger(l, floor);
    } else if (!rates.empty()) {
      replay_below(l, rates, floor);
    }
    assert(!from_ledger || static_cast<std::size_t>(fill_at(l).unfrozen) + below == link_at(l).members.size());
  }
  return true;
}

// A region link's R_l and n_l at the floor from its ledger, exact there: the
// last step below the floor. The steps at and above it are the fill's to
// write again.
void MaxMinSolver::start_from_ledger(std::int32_t link, double floor) {
  Ledger& g = ledgers_[static_cast<std::size_t>(link)];
  const auto at = std::lower_bound(g.steps.begin(), g.steps.end(), floor,
                                   [](const Step& s, double level) { return s.level < level; });
  g.steps.erase(at, g.steps.end());
  g.exact_below = floor;
  Fill& k = fill_at(link);
  k.replayed = epoch_;
  k.keeps_ledger = true;
  k.left = g.steps.empty() ? link_at(link).capacity : g.steps.back().left;
  k.unfrozen = static_cast<std::int32_t>(link_at(link).members.size()) - (g.steps.empty() ? 0 : g.steps.back().frozen);
}

// A region link's R_l and n_l at the floor: its capacity less, rate by rate
// in increasing order, rate × the members frozen there (`rates`, its members
// below the floor). Its ledger is those steps.
void MaxMinSolver::replay_below(std::int32_t link, Scratch<double>& rates, double floor) {
  Fill& k = fill_at(link);
  k.replayed = epoch_;
  k.left = link_at(link).capacity;
  k.unfrozen = static_cast<std::int32_t>(link_at(link).members.size() - rates.size());
  begin_ledger(link, k);
  if (k.keeps_ledger) ledgers_[static_cast<std::size_t>(link)].exact_below = floor;
  if (rates.empty()) return;
  replayed_total_ += rates.size();
  sort_few(rates, 0);
  for (std::size_t a = 0; a < rates.size();) {
    std::size_t b = a;
    while (b < rates.size() && rates[b] == rates[a]) ++b;
    k.left -= rates[a] * static_cast<double>(b - a);
    if (k.keeps_ledger) record(link, rates[a], k.left, static_cast<std::int32_t>(b - a));
    a = b;
  }
}

// The fill's round at `level` on a link: R_l after it, and how many of its
// flows froze (or left) in it.
void MaxMinSolver::record(std::int32_t link, double level, double left, std::int32_t frozen_now) {
  std::vector<Step>& steps = ledgers_[static_cast<std::size_t>(link)].steps;
  if (!steps.empty() && steps.back().level == level) {
    steps.back().left = left;
    steps.back().frozen += frozen_now;
  } else {
    steps.push_back({level, left, (steps.empty() ? 0 : steps.back().frozen) + frozen_now});
  }
}

// Whether the fill about to run on a link writes its rounds down (a busy
// link), and if so the link's ledger emptied for them.
void MaxMinSolver::begin_ledger(std::int32_t link, Fill& k) {
  k.keeps_ledger = keeps_ledger(link);
  if (k.keeps_ledger) ledgers_[static_cast<std::size_t>(link)].steps.clear();
}

void MaxMinSolver::ledgers_exact(double below) {
  for (std::int32_t l : component_links_) {
    if (fill_at(l).keeps_ledger) ledgers_[static_cast<std::size_t>(l)].exact_below = below;
  }
}

// Each region link's fair share at the floor, from the R_l and n_l that
// gather_region() replayed; every region flow unfrozen (`unfrozen`: the
// tight gather did it, flow by flow, as it included them). With lazy links (a
// tight fill's rounds all run on the heaps), the same pass enters each link
// in its heap, as heap_build() would after it: one pass over the region's
// links instead of three, each a cache miss a link.
void MaxMinSolver::region_shares(bool unfrozen) {
  const bool build = lazy_.links > 0;
  if (build) {
    heap_.clear();
    lazy_heap_.expect_least(lazy_.least);
  }
  for (std::int32_t l : component_links_) {
    Fill& k = fill_at(l);
    k.frozen_now = 0;
    k.level_now = -1;
    if (k.lazy) {  // nothing on it counted until wake()
      k.unfrozen = 0;
      if (k.next < kUncapped)
        lazy_heap_.insert(l, k.next);  // (build: start_links() keeps none lazy otherwise)
      continue;
    }
    if (k.replayed != epoch_) {  // no member below the floor: R_l and n_l as they start
      k.left = link_at(l).capacity;
      k.unfrozen = static_cast<std::int32_t>(link_at(l).members.size());
      begin_ledger(l, k);
    }
    const bool none_below = static_cast<std::size_t>(k.unfrozen) == link_at(l).members.size();
    if (k.unfrozen > 0) k.share = (none_below ? k.left : std::max(k.left, 0.0)) / k.unfrozen;
    if (build) heap_enter(l);
  }
  if (build) heap_heapify();
  if (unfrozen) {
    start_rounds();
  } else {
    unfreeze_region();
  }
}

}  // namespace orrery::fluid
