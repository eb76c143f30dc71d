#include "sim/exec/flow_network.hpp"

#include <algorithm>
#include <limits>
#include <span>

namespace orrery::exec {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Whole ns to send `bytes` at `rate` bytes/s: rounded up, as transfer_time()
// rounds, but an excess over a whole ns below 1e-9 ns + 1e-12 of the time is
// taken as floating-point noise and rounded down.
std::int64_t send_ns(double bytes, double rate) {
  if (bytes <= 0) return 0;
  const double t = bytes * 1e9 / rate;
  if (!(t < 4e18)) return kNever;
  // The ceiling, by truncation: x < 4e18 fits an int64, and below 2^53 the
  // int64 is exact as a double (above, x is a whole number already).
  const double x = t - (1e-9 + t * 1e-12);
  if (!(x > 0)) return 0;
  const auto whole = static_cast<std::int64_t>(x);
  return static_cast<double>(whole) < x ? whole + 1 : whole;
}

}  // namespace

FlowNetwork::FlowNetwork(sim::Engine& engine, const Cluster& cluster, bool detach)
    : engine_(engine), cluster_(cluster), routes_(cluster.routes()), detach_(detach) {
  const auto& links = cluster.network().links();
  for (const topo::Link& l : links) {
    solver_.add_link(l.bandwidth.bytes_per_s());
    capacity_.push_back(l.bandwidth.bytes_per_s());
  }
  links_.resize(links.size());
}

const std::vector<LinkUsage>& FlowNetwork::link_usage() const {
  usage_.assign(links_.size(), LinkUsage{});
  const std::int64_t now = engine_.now().ns();
  for (std::size_t i = 0; i < links_.size(); ++i) {
    const LinkState& s = links_[i];
    usage_[i].busy = Duration::ns(s.sending > 0 ? s.busy + now : s.busy);  // an open period: up to now
  }
  for (std::size_t r = 0; r < by_route_.size(); ++r) {
    const std::int64_t bytes = by_route_[r].bytes;
    if (bytes == 0) continue;
    for (const std::int32_t l : routes_.links(routes_.route(static_cast<std::uint32_t>(r))))
      usage_[static_cast<std::size_t>(l)].bytes += Bytes(bytes);
  }
  return usage_;
}

void FlowNetwork::transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) {
  start(routes_.find(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)), bytes, std::move(done));
}

NetworkService::KnownRoute FlowNetwork::route(DeviceId src, DeviceId dst) {
  return {routes_.find(cluster_.endpoint_of(src), cluster_.endpoint_of(dst)), src, dst, true};
}

void FlowNetwork::transfer_on(const KnownRoute& route, Bytes bytes, sim::Engine::Handler done) {
  start(route.found, bytes, std::move(done));
}

void FlowNetwork::start(const topo::RouteTable::Found& route, Bytes bytes, sim::Engine::Handler&& done) {
  const topo::RouteTable::Route& r = route.route;
  if (r.count == 0 || bytes.count() <= 0) {
    engine_.schedule_after(r.latency, std::move(done));
    return;
  }
  const std::span<const std::int32_t> links = routes_.links(r);
  RouteState& on_route = route_state(route.index);
  on_route.bytes += bytes.count();  // its links' bytes, summed by link_usage()
  const Time now = engine_.now();
  // A lone flow on these links has company from now: back to the completion
  // queue first (or off its links, past its last byte) before this one counts.
  // The same pass finds whether the links were idle.
  bool idle = true;
  bool unloned = false;
  for (std::int32_t l : links) {
    LinkState& s = links_[static_cast<std::size_t>(l)];
    if (s.lone >= 0) {
      unlone(s.lone, now);
      unloned = true;
    }
    if (s.sending++ == 0) {
      s.busy -= now.ns();
    } else {
      idle = false;  // (a route that crosses a link twice finds it busy the second time)
    }
  }
  const std::int32_t id = new_flow();
  Flow& f = flows_[static_cast<std::size_t>(id)];
  f.left = static_cast<double>(bytes.count());
  f.rate = 0;
  f.since = now;
  f.sequence = next_sequence_++;
  f.route = route.index;
  f.done = std::move(done);
  // A lone flow that left past its last byte may have emptied a link counted busy above.
  if (unloned) idle = alone(f);
  // Onto idle links: detached (see the header), at its narrowest link's
  // capacity, unless it would never finish (then the solver keeps it).
  if (detach_ && idle) {
    const double narrowest = narrowest_of(on_route, links);
    const std::int64_t dt = send_ns(f.left, narrowest);
    if (dt != kNever) {
      f.rate = narrowest;
      ++rate_changes_;
      make_lone(id, now + Duration::ns(dt), r.latency, links);
      return;
    }
  }
  const bool quiet = !changed_;  // nothing else changed at this instant yet (but lone flows leaving)
  attach(id);
  // A flow onto idle links, with nothing else changed at this instant, is
  // solved now and waits only for its completion. A flow that joins it later
  // at the same instant re-solves both, at no cost in bytes: the first rate
  // lasted no time.
  if (quiet && solver_.alone()) {
    resolve(now);
    settle_front();
    if (!completions_.empty()) wake_by(Time::from_ns(completions_.top_time()));
  } else {
    wake_at(now);
  }
}

std::int32_t FlowNetwork::new_flow() {
  const std::int32_t id = solver_.reserve_flow();  // not on its links in the solver yet
  if (static_cast<std::size_t>(id) >= flows_.size()) flows_.resize(static_cast<std::size_t>(id) + 1);
  Flow& f = flows_[static_cast<std::size_t>(id)];
  f.live = true;
  f.late = false;
  f.placed = false;
  ++live_;
  return id;
}

void FlowNetwork::attach(std::int32_t id) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  solver_.place_flow(id, routes_.links(routes_.route(f.route)));
  f.placed = true;
  changed_ = true;
}

void FlowNetwork::resolve(Time now) {
  solver_.solve();
  changed_ = false;
  // The solved flows' ids are scattered: ask for both records of each a few
  // flows ahead, so that the reads do not wait on the memory one by one.
  constexpr std::size_t kAhead = 16;
  const std::span<const std::int32_t> solved = solver_.solved_flows();
  for (std::size_t i = 0; i < solved.size(); ++i) {
    if (i + kAhead < solved.size()) {
      const std::int32_t ahead = solved[i + kAhead];
      __builtin_prefetch(&flows_[static_cast<std::size_t>(ahead)], 1);
      solver_.prefetch(ahead);
    }
    retime(solved[i], now);
  }
}

void FlowNetwork::wake_by(Time t) {
  if (event_pending_ && event_time_ <= t) return;  // update() wakes again for what is left
  wake_at(t);
}

void FlowNetwork::wake_at(Time t) {
  if (event_pending_) {
    if (event_time_ == t) return;
    engine_.cancel(event_);
  }
  event_ = engine_.schedule_at(t, [this] { update(); });
  event_time_ = t;
  event_pending_ = true;
}

// The one event: complete the flows due by now, solve the components that
// changed, requeue the flows whose rate changed, and wait for the next completion.
void FlowNetwork::update() {
  event_pending_ = false;
  const Time now = engine_.now();
  for (settle_front(); !completions_.empty() && completions_.top_time() <= now.ns(); settle_front()) {
    finish(completions_.pop(), now);
  }
  resolve(now);
  settle_front();
  if (!completions_.empty()) wake_at(Time::from_ns(completions_.top_time()));
}

void FlowNetwork::finish(std::int32_t id, Time end) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  if (f.placed) changed_ = true;
  engine_.schedule_at(end + routes_.route(f.route).latency, std::move(f.done));
  leave(id, end);
}

void FlowNetwork::leave(std::int32_t id, Time end) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  const bool lone = f.lone;  // its links' lone flow: none from now
  f.lone = false;
  for (const std::int32_t l : routes_.links(routes_.route(f.route))) {
    LinkState& s = links_[static_cast<std::size_t>(l)];
    if (lone) s.lone = -1;
    if (--s.sending == 0) s.busy += end.ns();
    if (timeline_) timeline_->add(l, f.since, end, f.left);  // what is left goes at the last rate
  }
  if (f.placed) {
    solver_.remove_flow(id);
  } else {
    solver_.release_flow(id);
  }
  f.live = false;
  --live_;
}

// The route's narrowest link capacity, kept by route: a lone flow's rate, read
// without visiting its links' capacities (scattered, each a cache miss on a
// large network).
double FlowNetwork::narrowest_of(RouteState& state, std::span<const std::int32_t> links) {
  double& narrowest = state.narrowest;
  if (narrowest == 0) {  // not yet known: every capacity is positive
    narrowest = capacity_[static_cast<std::size_t>(links.front())];
    for (std::int32_t l : links) narrowest = std::min(narrowest, capacity_[static_cast<std::size_t>(l)]);
  }
  return narrowest;
}

bool FlowNetwork::alone(const Flow& f) const {
  for (const std::int32_t l : routes_.links(routes_.route(f.route))) {
    if (links_[static_cast<std::size_t>(l)].sending != 1) return false;
  }
  return true;
}

void FlowNetwork::make_lone(std::int32_t id, Time end) {
  const topo::RouteTable::Route& r = routes_.route(flows_[static_cast<std::size_t>(id)].route);
  make_lone(id, end, r.latency, routes_.links(r));
}

void FlowNetwork::make_lone(std::int32_t id, Time end, Duration latency,
                            std::span<const std::int32_t> links) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  if (completions_.contains(id)) completions_.erase(id);
  if (f.lone) drop_lone(f);
  f.lone = true;
  f.end = end;
  for (const std::int32_t l : links) links_[static_cast<std::size_t>(l)].lone = id;
  f.lone_event = engine_.schedule_at(end + latency, [this, id] { finish_lone(id); });
}

void FlowNetwork::drop_lone(Flow& f) {
  engine_.cancel(f.lone_event);
  f.lone = false;
  for (const std::int32_t l : routes_.links(routes_.route(f.route)))
    links_[static_cast<std::size_t>(l)].lone = -1;
}

void FlowNetwork::unlone(std::int32_t id, Time now) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  drop_lone(f);
  if (now < f.end) {
    if (!f.placed) attach(id);  // solved with its company, from the rate it had
    completions_.set(id, f.end.ns(), f.sequence);
    wake_by(f.end);
    return;
  }
  finish(id, f.end);  // its last byte went at f.end: it left its links then, and `done` keeps its time
}

void FlowNetwork::finish_lone(std::int32_t id) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  sim::Engine::Handler done = std::move(f.done);
  // Its leaving changes no rate: a detached flow is not in the solver, and
  // the solver clears an attached one's links at its next solve, whatever
  // else that solves (`changed_` stays as it was).
  leave(id, f.end);
  done();
}

void FlowNetwork::retime(std::int32_t id, Time now) {
  Flow& f = flows_[static_cast<std::size_t>(id)];
  const double rate = solver_.rate(id);
  if (rate == f.rate) return;  // same rate: same completion time, nothing to move
  ++rate_changes_;
  const double sent = f.rate * static_cast<double>((now - f.since).count()) / 1e9;
  if (timeline_) {
    for (const std::int32_t l : routes_.links(routes_.route(f.route))) timeline_->add(l, f.since, now, sent);
  }
  const bool slower = rate < f.rate;
  f.left -= sent;
  f.since = now;
  f.rate = rate;
  // A queued flow that slows down finishes later than its queued time, which
  // stays as a lower bound until it comes to the front (settle_front()): half
  // the rate changes of a churning network are falls, each spared a move in
  // the queue, and the time it gets there is the one this would compute. (A
  // fall cannot make a flow lone: that takes its bottleneck's whole capacity.)
  if (slower && !f.lone && completions_.contains(id)) {
    f.late = true;
    return;
  }
  f.late = false;
  const std::int64_t dt = send_ns(f.left, rate);
  if (dt == kNever) {
    if (completions_.contains(id)) completions_.erase(id);
    if (f.lone) drop_lone(f);
    return;
  }
  // Alone, it has its narrowest link's capacity, and that link is what froze
  // it: only then are its links read.
  const std::int32_t by = solver_.bottleneck(id);
  if (by >= 0 && rate == capacity_[static_cast<std::size_t>(by)] && alone(f)) {
    make_lone(id, now + Duration::ns(dt));
    return;
  }
  if (f.lone) drop_lone(f);
  completions_.set(id, now.ns() + dt, f.sequence);
}

void FlowNetwork::settle_front() {
  while (!completions_.empty()) {
    const std::int32_t id = completions_.top_id();
    Flow& f = flows_[static_cast<std::size_t>(id)];
    if (!f.late) return;
    f.late = false;
    const std::int64_t dt = send_ns(f.left, f.rate);  // as retime() would have, at its last change
    if (dt == kNever) {
      completions_.erase(id);
    } else {
      completions_.set(id, f.since.ns() + dt, f.sequence);
    }
  }
}

void FlowNetwork::summarize(Summary& summary) const {
  summary.set("flow_recomputations", static_cast<std::int64_t>(solver_.recomputations()));
}

std::vector<double> FlowNetwork::rates() const {
  std::vector<std::pair<std::uint64_t, double>> live;
  const Time now = engine_.now();
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    const Flow& f = flows_[i];
    const bool gone = f.lone && f.end <= now;  // a lone flow past its last byte, before its event
    if (f.live && !gone) live.emplace_back(f.sequence, f.rate);
  }
  std::sort(live.begin(), live.end());
  std::vector<double> out;
  for (const auto& [sequence, rate] : live) out.push_back(rate);
  return out;
}

}  // namespace orrery::exec
