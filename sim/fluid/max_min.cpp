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

}  // namespace orrery::fluid
