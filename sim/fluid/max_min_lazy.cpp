// MaxMinSolver's lazy links and the loads they stand on (max_min_lazy.hpp).
#include <algorithm>

#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {

// A flow into the tight region; when the gather counts, each of its links
// counts it and its load, for the link's bound.
void MaxMinSolver::include(std::int32_t flow) {
  Flow& f = flow_at(flow);
  if (f.seen == epoch_) return;
  f.seen = epoch_;
  component_flows_.push_back(flow);
  // Its record is at hand: what a failed fill puts back, and what
  // unfreeze_region() would do to it (the tight fill's rounds start unfrozen).
  saved_.push_back({f.rate, f.bottleneck});
  f.frozen = false;
  if (f.cap < kUncapped) capped_.push_back(flow);
  if (!lazy_.counting) {
    for (const Incidence& inc : f.links) visit(inc.link);
    return;
  }
  // Its links are taken into the region with the other flows' of this wave
  // (take_pending()): copied here as one fixed block whatever their number,
  // with its load beside each, since a loop over each flow's 2 to 6 links
  // mispredicted its end once a flow.
  append_links(flow_links_, flow_values_, f.links, f.loaded);
}

// The links of the flows include() took in since the last call, in the order
// it took them: each written at the end of the region's links, which moves
// past the new ones, and each counting its flow and load (a new link's counts
// start from zero by a mask: whether a link is new to the region follows no
// pattern and waits on the link's record).
void MaxMinSolver::take_pending() {
  const std::size_t n = flow_links_.size();
  const std::size_t at = component_links_.size();
  component_links_.resize(at + n);
  std::size_t fresh = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t l = flow_links_[i].link;
    Link& link = link_at(l);
    const bool seen = link.seen == epoch_;
    link.seen = epoch_;
    component_links_[at + fresh] = l;
    fresh += static_cast<std::size_t>(!seen);
    lazy::Load& k = lazy_.loads[static_cast<std::size_t>(l)];
    k.region_on = pick(seen, k.region_on, 0) + 1;
    k.region_load = pick(seen, k.region_load, 0.0) + flow_values_[i];
  }
  component_links_.resize(at + fresh);
  flow_links_.clear();
  flow_values_.clear();
}

// visit(), and the link's count of region flows started (when lazy_.counting).
void MaxMinSolver::visit_tight(std::int32_t link) {
  if (link_at(link).seen == epoch_) return;
  visit(link);
  if (!lazy_.counting) return;
  lazy::Load& k = lazy_.loads[static_cast<std::size_t>(link)];
  k.region_on = 0;
  k.region_load = 0;
}

// Each region link started: lazy where its bound allows (max_min_lazy.hpp),
// else scanned and replayed at the floor (boundary_of()).
void MaxMinSolver::start_links(double floor) {
  lazy_.floor = floor;
  lazy_.links = 0;
  lazy_.spared = 0;
  lazy_.least = kUncapped;
  boundary_.clear();
  constexpr std::size_t kAhead = 4;
  for (std::size_t i = 0; i < component_links_.size(); ++i) {
    if (i + kAhead < component_links_.size()) {  // the next links' records, ahead of their misses
      const auto ahead = static_cast<std::size_t>(component_links_[i + kAhead]);
      __builtin_prefetch(&fills_[ahead], 1);
      __builtin_prefetch(&links_[ahead]);
      __builtin_prefetch(&lazy_.loads[ahead], 1);
    }
    const std::int32_t l = component_links_[i];
    Fill& k = fill_at(l);
    k.lazy = false;
    const auto at = static_cast<std::size_t>(l);
    const Link& link = links_[at];
    if (lazy_.counting && !keeps_ledger(l)) {
      lazy::Load& load = lazy_.loads[at];
      if (load.updates > lazy::State::kLoadRefresh) {
        load.sum = 0;
        for (const Member& m : link.members) {
          load.sum += flow_at(m.flow).loaded;
        }
        load.updates = 0;
      }
      const double room =
          link.capacity - (load.sum - load.region_load) - lazy::State::kMargin * link.capacity;
      const double lower = load.region_on > 0 ? room / load.region_on : kUncapped;
      if (room > 0 && lower > floor) {
        k.lazy = true;
        lazy_.spared += link.members.size();
        ++lazy_.links;
        ++lazy_.total;
        load.region_load = room;  // from here on, its room less what its frozen region flows took
        k.next = lower;
        lazy_.least = std::min(lazy_.least, lower);
        k.keeps_ledger = false;
        k.had_boundary = false;
        k.boundary_at = k.boundary_end = 0;
        continue;
      }
    }
    boundary_of(l, floor, false);
  }
}

// Wakes the lazy link whose bound the coming round's level has reached
// (BoundHeap::due()): it moves to the heap at its key, or nowhere when nothing on
// it is left to fill. Its bound rose as its region flows froze (settle() keeps the room,
// the count and its entry): (room − their rates) / those still unfrozen on it.
void MaxMinSolver::wake(std::int32_t link) {
  Fill& k = fill_at(link);
  const double bound = k.next;
  lazy_heap_.remove(link);
  bring_up(link);
  ++lazy_.woken;
  if (violated_) return;
  if (k.unfrozen == 0) return;
  if (!(k.next >= bound)) {  // its bound did not hold
    fail_lazy();
    return;
  }
  heap_push(link);
}

// A lazy link brought up to date: started at the floor as the gather starts
// any link, then, level by level, the region's flows frozen so far leave it,
// each level after the boundary flows below it (each level one subtraction
// of level × count, as settle() and depart_below() make them when a frozen
// flow touches the link). The boundary flows above the last such level stay
// on it, as they would have. A link that would have filled on the way fails
// the fill.
void MaxMinSolver::bring_up(std::int32_t link) {
  Fill& k = fill_at(link);
  k.lazy = false;
  lazy_.spared -= link_at(link).members.size();  // scanned after all
  lazy_.region_rates.clear();
  boundary_of(link, lazy_.floor, true);
  k.frozen_now = 0;
  k.level_now = -1;
  if (k.unfrozen > 0) {
    const bool none_below = static_cast<std::size_t>(k.unfrozen) == link_at(link).members.size();
    k.share = (none_below ? k.left : std::max(k.left, 0.0)) / k.unfrozen;
  }
  // The levels to replay: the region's frozen rates and the boundary rates
  // up to the highest of them (boundary_of() listed both, and kept only the
  // boundary above), in one list sorted without branches (sort_few), then
  // taken run by run of equal rates: two sorted lists merged level by level
  // mispredicted their loops' ends.
  Scratch<double>& levels = lazy_.region_rates;
  sort_few(levels, 0);
  std::int32_t count = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    ++count;
    const double v = levels[i];
    if (i + 1 < levels.size() && levels[i + 1] == v) continue;  // ties are rare: predicted
    if (!(v < k.share)) {  // it would have filled at its share by then
      fail_lazy();
      return;
    }
    leave(k, v, count);
    count = 0;
  }
  k.next = key(k);
}

// After a solve, what the next tight gather reads without scanning members:
// each solved flow's rate in its links' loads, and its place in the held
// list of the link that froze it (while that pays: max_min_lazy.hpp).
void MaxMinSolver::account() {
  ++lazy_.window_solves;
  if (lazy_.cost > lazy::State::kAccountWindow) {
    const bool pays = lazy_.saved > lazy_.cost;
    lazy_.wait =
        pays ? 0 : std::min(std::max(2 * lazy_.wait, lazy_.window_solves), lazy::State::kLongestWait);
    lazy_.cost = lazy_.saved = lazy_.window_solves = 0;
    if (!pays) {
      lazy_.accounted = false;
      lazy_.solves_since_stop = 0;
      return;
    }
  }
  // The loads' changes listed first, each flow's links copied as one fixed
  // block with its change beside each and kept only if its rate moved (a
  // loop over each flow's 2 to 6 links mispredicted its end once a flow),
  // then added in one loop, in the same order as flow by flow.
  Scratch<Incidence>& links = flow_links_;
  Scratch<double>& deltas = flow_values_;
  links.clear();
  deltas.clear();
  for (std::int32_t id : component_flows_) {
    Flow& f = flow_at(id);
    lazy_.cost += f.links.size();
    append_links(links, deltas, f.links, f.rate - f.loaded, f.rate != f.loaded);
    f.loaded = f.rate;
    if (f.bottleneck != f.held_by) {
      unhold(id);
      if (f.bottleneck >= 0) hold(id, f.bottleneck);
    }
  }
  for (std::size_t i = 0; i < links.size(); ++i)
    lazy_.loads[static_cast<std::size_t>(links[i].link)].add(deltas[i]);
  links.clear();
  deltas.clear();
}

// The loads and held lists started from every live flow's last rate.
void MaxMinSolver::account_all() {
  std::fill(lazy_.loads.begin(), lazy_.loads.end(), lazy::Load{});
  for (std::size_t id = 0; id < flows_.size(); ++id) {
    Flow& f = flows_[id];
    f.loaded = 0;
    f.held_by = f.held_next = f.held_prev = -1;
    if (!f.live || f.fresh) continue;
    f.loaded = f.rate;
    for (const Incidence& inc : f.links) lazy_.loads[static_cast<std::size_t>(inc.link)].sum += f.rate;
    if (f.bottleneck >= 0) hold(static_cast<std::int32_t>(id), f.bottleneck);
  }
  lazy_.accounted = true;
}

void MaxMinSolver::fail_lazy() {
  violated_ = true;
  lazy_.ok = false;
  ++lazy_.failures;
}

// `delta` more of the flow's rate in each of its links' loads.
void MaxMinSolver::add_load(const Flow& f, double delta) {
  for (const Incidence& inc : f.links) lazy_.loads[static_cast<std::size_t>(inc.link)].add(delta);
}

void MaxMinSolver::hold(std::int32_t flow, std::int32_t link) {
  Flow& f = flow_at(flow);
  std::int32_t& first = lazy_.loads[static_cast<std::size_t>(link)].held;
  f.held_by = link;
  f.held_prev = -1;
  f.held_next = first;
  if (first >= 0) flow_at(first).held_prev = flow;
  first = flow;
}

void MaxMinSolver::unhold(std::int32_t flow) {
  Flow& f = flow_at(flow);
  if (f.held_by < 0) return;
  if (f.held_prev >= 0) {
    flow_at(f.held_prev).held_next = f.held_next;
  } else {
    lazy_.loads[static_cast<std::size_t>(f.held_by)].held = f.held_next;
  }
  if (f.held_next >= 0) flow_at(f.held_next).held_prev = f.held_prev;
  f.held_by = -1;
}

}  // namespace orrery::fluid
