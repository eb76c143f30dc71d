// The `flow` network service: each transfer is a fluid flow over its route,
// and flows that share links share their bandwidth max-min fairly
// (fluid::MaxMinSolver), recomputed whenever a flow starts or ends.
//
// Timing of one transfer of S bytes started at t0 over links l_1..l_h:
//   * its bytes flow from t0 at the rate the solver gives it, which changes
//     whenever a flow of its component starts or ends; the last byte is sent
//     at t_s, when ∫ rate dt = S (rounded up to a whole ns, as transfer_time()
//     rounds; an excess over a whole ns of floating-point-noise size, under
//     1e-9 ns + 1e-12 of the time, is rounded down so that flows that finish
//     together in exact arithmetic finish in the same ns);
//   * the route's latency α = Σ latency(l_i) is paid after the last byte:
//     `done` runs at t_s + α, in an engine event of its own (a lone flow's
//     one event, below). Latency does not
//     hold bandwidth. A lone flow thus takes α + ⌈S/min_i C(l_i)⌉, the
//     analytic model's time (unless S/min C falls in that noise window).
//   * a transfer of 0 bytes, or between devices on the same endpoint, sends
//     nothing and completes after α (0 for the same endpoint).
//
// Progress is tracked lazily: a flow keeps (bytes left, rate, since); only the
// flows whose rate a solve changed are brought up to date and requeued in the
// completion queue, keyed by (completion ns, start sequence), so that flows
// finishing in the same ns complete, and run `done`, in the order they started.
//
// One pending engine event. The service keeps at most one event of its own in
// the engine: the next update — the earliest completion, or "now" when
// transfers were started since the last update (so the transfers that the
// events of one ns start are mostly added in one solve: all those started
// before the update runs). A transfer onto idle links, when nothing else has
// changed since the last solve, is solved at once instead (its rate is its
// narrowest link's) and needs no update until its completion: most pipeline
// sends of a large training run. A transfer that joins it in the same ns
// re-solves both; the first rate lasted no time, so nothing changes but the
// count of solves. When the earliest completion changes, the event is
// cancelled and scheduled again.
//
// Lone flows. A flow alone on every link of its route when it gets its rate
// shares nothing: its leaving changes no other rate. It then skips the
// completion queue and its update: one engine event at t_s + α takes it off
// its links as of t_s (busy time and link load end at t_s) and runs `done`,
// half the events of a pipeline send or of a collective's transfer on idle
// links. A transfer that joins one of its links first puts it back in the
// completion queue at t_s (or, at or past t_s, takes it off as of t_s and
// leaves `done` its own event at t_s + α), so every rate is what it was. Only
// the order of events at one instant can differ: a lone flow's event was
// scheduled when it got its rate, not at t_s.
//
// Detached flows. A transfer onto idle links (no other flow on any of them,
// its route crossing none twice) is a lone flow from its start, at its
// narrowest link's capacity, the rate any solve would give it (kept by route:
// a large network's link capacities are scattered, a cache miss each); it does
// not enter the solver at all. When a transfer joins one of its links before its
// last byte, it is added to the solver then, at the rate it had, and solved
// with the newcomer, as it would have been had it been there all along: the
// solver's rates are a function of the flows present, not of their history
// (max_min.hpp). So most sends of a large training run (pipeline sends, a
// collective's steps on disjoint links) cost no solve, no update event and no
// solver bookkeeping, and `flow_recomputations` counts only the solves that
// had flows to share links.
//
// Link usage: bytes, counted by route when a transfer starts (link_usage()
// adds each route's to its links); busy time, the time with at least one flow
// sending on the link, a period open at the reading counted up to it (so a
// run stopped with flows in flight counts their links busy to its end).
// The summary gets `flow_recomputations`: how many times rates were solved.
//
// The engine must outlive the service's last event; the service must outlive
// the engine's run.
#pragma once

#include <unordered_map>

#include "sim/exec/network_service.hpp"
#include "topologies/route_table.hpp"
#include "sim/fluid/completion_queue.hpp"
#include "sim/fluid/max_min.hpp"

namespace orrery::exec {

class FlowNetwork final : public NetworkService {
 public:
  // `detach`: whether a transfer onto idle links goes out detached (above);
  // without, every transfer enters the solver, as before detached flows (for
  // tests: the same rates and times either way).
  FlowNetwork(sim::Engine& engine, const Cluster& cluster, bool detach = true);
  void transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) override;
  [[nodiscard]] KnownRoute route(DeviceId src, DeviceId dst) override;
  void transfer_on(const KnownRoute& route, Bytes bytes, sim::Engine::Handler done) override;
  // Copied out of the per-link state when asked (after a run, for the summary and /links).
  [[nodiscard]] const std::vector<LinkUsage>& link_usage() const override;
  void summarize(Summary& summary) const override;

  [[nodiscard]] std::uint64_t recomputations() const { return solver_.recomputations(); }
  [[nodiscard]] std::size_t active_flows() const { return live_; }
  // How many times a flow in flight got a new rate (and so a new completion
  // time): what any exact max-min network must do, whatever its solver.
  [[nodiscard]] std::uint64_t rate_changes() const { return rate_changes_; }
  // How many flow rates the solves computed (each solve's region), moved or not.
  [[nodiscard]] std::uint64_t solved() const { return solver_.solved_total(); }
  // The solver, for its own counts (lazy links, line fills) in benchmarks and tests.
  [[nodiscard]] const fluid::MaxMinSolver& solver() const { return solver_; }
  // The current rate of the transfers in flight, in bytes/s, by start order (for tests).
  [[nodiscard]] std::vector<double> rates() const;

 private:
  // A transfer on its route (transfer(), transfer_on()).
  void start(const topo::RouteTable::Found& route, Bytes bytes, sim::Engine::Handler&& done);
  // What retime() reads first, in the first cache line.
  struct alignas(64) Flow {  // a transfer in flight, by its solver id (placed there or only reserved)
    double left = 0;         // bytes still to send at `since`
    double rate = 0;         // bytes/s since `since`
    Time since;
    std::uint64_t sequence = 0;
    Time end;                     // a lone flow (below): when its last byte is sent
    sim::EventHandle lone_event;  // and its one event
    std::uint32_t route = 0;
    bool placed = false;  // on its links in the solver; not while detached (above)
    bool lone = false;
    bool live = false;
    // Its rate fell since its completion was queued: the queued time is early,
    // a lower bound, put right when it comes to the front (settle_front()).
    bool late = false;
    sim::Engine::Handler done;
  };

  void update();
  std::int32_t new_flow();         // an id the solver reserves, and its slot of flows_
  void attach(std::int32_t flow);  // a detached flow into the solver, at its rate
  // Its last byte went at `end` (now, or past for a lone flow): off its links, `done` α later.
  void finish(std::int32_t flow, Time end);
  void leave(std::int32_t flow, Time end);  // off its links at `end`, out of the solver, its slot free
  [[nodiscard]] bool alone(const Flow& f) const;  // the only flow on every link of its route
  void make_lone(std::int32_t flow, Time end);
  void make_lone(std::int32_t flow, Time end, Duration latency,
                 std::span<const std::int32_t> links);  // its route's
  void drop_lone(Flow& f);                   // its event cancelled, its links unmarked
  void unlone(std::int32_t flow, Time now);  // a flow joins its links: back to the completion queue
  void finish_lone(std::int32_t flow);
  void retime(std::int32_t flow, Time now);
  // The queue's front put right while it is a late flow's early time: after
  // it the front is the earliest completion, exactly (retime()).
  void settle_front();
  void resolve(Time now);  // solve, and retime the flows the solve gave rates
  void wake_at(Time t);
  void wake_by(Time t);  // wake_at(t) unless an update is due by t already

  sim::Engine& engine_;
  const Cluster& cluster_;
  fluid::MaxMinSolver solver_;
  fluid::CompletionQueue completions_;
  std::vector<Flow> flows_;
  std::size_t live_ = 0;  // transfers in flight
  // What a transfer's start and end touch on each of its links, in one
  // 16-byte record (four to a cache line): a large network's runs are bound by
  // these misses. The busy time is kept as its closed periods less the open
  // one's start, and the bytes by route (RouteState).
  struct LinkState {
    std::int64_t busy = 0;     // ns: Σ (end − start) of closed busy periods, − the open one's start
    std::int32_t sending = 0;  // flows on the link
    std::int32_t lone = -1;    // the lone flow on it, if any
  };
  std::vector<LinkState> links_;
  std::vector<double> capacity_;  // per link, bytes/s: the solver's, in a dense array
  // What a transfer's start reads and adds by its route instead of on each of
  // its links: the narrowest capacity (a lone flow's rate; 0 until needed)
  // and the bytes, which link_usage() adds to the route's links.
  struct RouteState {
    double narrowest = 0;
    std::int64_t bytes = 0;
  };
  std::vector<RouteState> by_route_;  // per route index
  RouteState& route_state(std::uint32_t route) {
    if (route >= by_route_.size()) by_route_.resize(static_cast<std::size_t>(route) + 1);
    return by_route_[route];
  }
  double narrowest_of(RouteState& state, std::span<const std::int32_t> links);
  mutable std::vector<LinkUsage> usage_;  // link_usage()'s copy
  topo::RouteTable& routes_;  // the cluster's
  std::uint64_t next_sequence_ = 0;
  std::uint64_t rate_changes_ = 0;
  sim::EventHandle event_;
  Time event_time_;
  bool event_pending_ = false;
  // Flows were added or left (lone flows aside) since the last solve.
  bool changed_ = false;
  bool detach_ = true;
};

class FlowNetworkModel final : public NetworkModel {
 public:
  [[nodiscard]] std::string_view name() const override { return "flow"; }
  [[nodiscard]] std::unique_ptr<NetworkService> make(sim::Engine& engine,
                                                     const Cluster& cluster) const override {
    return std::make_unique<FlowNetwork>(engine, cluster);
  }
};

}  // namespace orrery::exec
