// The `flow` network service (max-min sharing, recomputed per component) on
// the engine, end to end: transfers in, `done` handlers out.
//  * BM_FlowChurn/N/L/T: N transfers in flight on L links, each transfer's
//    route a random set of 2–6 links (drawn once per endpoint pair); each
//    completion starts a new transfer with a random pair and size, until T
//    transfers have been started and all have completed. Reports engine events/s, rate
//    recomputations/s, transfers/s, and the flows whose rate changed per
//    recomputation. Few links and many flows make one giant component,
//    re-solved at each completion (the worst case); many links make small
//    components. rate_changes_per_recomputation is the floor of any exact
//    solver's work: each of those flows needs a new completion time (about
//    a hundred of the 2,048 in the giant component). solved_per_recomputation
//    is what the solver re-solved to find them; lazy_links_per_recomputation
//    and woken_per_recomputation, the region links it left out of the fill
//    and those of them it had to bring up to date (sim/fluid/max_min_lazy.hpp).
//  * BM_FlowAllToAll: 256 endpoints each send S = 1 MiB to every other one,
//    65,280 flows at once, on a non-blocking two-level leaf/spine graph built
//    here (16 leaves of 16 endpoints, 16 spines, every link 50 GB/s, 500 ns;
//    d-mod-k routing). Every flow is limited by its endpoints' links to B/255,
//    so all end at α + ⌈255 S / B⌉ (α = 4 hops, 2 within a leaf), which is
//    checked. Target: under 5 s for the whole all-to-all.
//  * BM_FlowChainOverload/N: N transfers between random distinct endpoints of
//    a 256-endpoint chain (topologies/chain, 25 GB/s, 500 ns per link), sizes
//    uniform in [1 kB, 10 MB], starts uniform in [0, 20 ms): ~100 GB offered
//    at N = 20,000 to links that carry 0.5 GB in 20 ms, so thousands of flows,
//    each across ~85 links, share every link for most of the run (the
//    performance issue's "heavy overload" case, target 10 s at N = 20,000).
//    Checked: every transfer completes, and no earlier than the busiest
//    link's bytes need at its bandwidth (a lower bound on the last end).
//    Reports the flows whose rate changed per recomputation: here almost
//    every flow of the region, the floor of an exact solver's work. The
//    routes run along the chain's two lines, so the solver fills them in
//    line mode (sim/fluid/max_min_lines.cpp): solved_per_recomputation is
//    then the whole component, every flow of one direction.
//  * BM_FlowRingAllReduce: ring all-reduce of S = 1 GiB over 1,024 endpoints
//    on a ring (topologies/chain, 50 GB/s, 1 us): 2(p−1) = 2,046 steps, each
//    p concurrent neighbour flows of S/p = 1 MiB; endpoint i sends step s+1
//    when step s from i−1 has arrived. Checked against the closed form
//    2(p−1)(α + ⌈(S/p)/B⌉). Target: under 1 s.
//  * BM_MaxMinChain/E/F/H/lines: the solver alone on a chain of E endpoints
//    (links as topologies/chain's) holding F flows, each a run of 1 to H
//    links in either direction; an iteration removes one flow and adds
//    another, solving after each. `lines` 1 is the solver's default (line
//    mode, sim/fluid/max_min_lines.hpp), 0 the general solve only: the pair shows
//    which runs line mode fills over positions (long flows: H = 128, 255)
//    and which it leaves to the general solve (short ones), at what cost.
// Rates are per CPU second (Google Benchmark's default, as in engine_bench):
// on a shared machine the CPU time, not the wall time, is the program's own.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "sim/core/rng.hpp"
#include "sim/exec/flow_network.hpp"
#include "sim/fluid/max_min.hpp"
#include "topologies/chain.hpp"

namespace orrery::exec {
namespace {

class FixedSpec final : public topo::ScaleOutSpec {
 public:
  explicit FixedSpec(std::function<std::unique_ptr<topo::Topology>()> make) : make_(std::move(make)) {}
  [[nodiscard]] std::unique_ptr<topo::Topology> make(const topo::ScaleOutContext&) const override { return make_(); }

 private:
  std::function<std::unique_ptr<topo::Topology>()> make_;
};

Cluster cluster_of(int endpoints, std::function<std::unique_ptr<topo::Topology>()> make) {
  return Cluster(ClusterSpec(endpoints, std::make_shared<topo::SingleDeviceNode>(), std::make_shared<FixedSpec>(std::move(make))));
}

// ---- churn on random routes ----

// `endpoints` endpoints and `links` links (at least `endpoints`): a ring
// through the endpoints, so that the graph is connected as every topology must
// be (a random graph of 1,024 links on 256 endpoints often is not: the
// churn cases on it used to abort), and the rest between random endpoints.
// The route of a pair is 2–6 distinct random links of all of them, drawn from
// a stream seeded by the pair: a random sharing pattern rather than a path.
class RandomRoutes final : public topo::Topology {
 public:
  RandomRoutes(int endpoints, int links, std::uint64_t seed) : seed_(seed) {
    for (int i = 0; i < endpoints; ++i) add_vertex(topo::VertexKind::kEndpoint, fmt::format("e{}", i));
    Rng rng(seed);
    const auto link = [&](std::int32_t a, std::int32_t b) {
      add_link(VertexId(a), VertexId(b), Bandwidth::bytes_per_s(1e9 * static_cast<double>(1 + rng.below(100))),
               Duration::ns(static_cast<std::int64_t>(rng.below(1000))));
    };
    for (std::int32_t i = 0; i < endpoints; ++i) link(i, (i + 1) % endpoints);
    for (int l = endpoints; l < links; ++l) {
      const auto a = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(endpoints)));
      const auto b = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(endpoints)));
      link(a, b);
    }
    seal();
  }
  [[nodiscard]] std::string_view kind() const override { return "random_routes"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override {
    if (src == dst) return;
    std::uint64_t state = seed_ ^ (static_cast<std::uint64_t>(src) << 32 | static_cast<std::uint32_t>(dst));
    Rng rng(splitmix64(state));
    const auto hops = 2 + rng.below(5);
    const std::size_t first = out.size();
    while (out.size() - first < hops) {
      const LinkId l(static_cast<std::int32_t>(rng.below(links().size())));
      if (std::find(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), l) == out.end())
        out.push_back(l);
    }
  }

 private:
  std::uint64_t seed_;
};

// A count per rate recomputation, as a benchmark counter.
benchmark::Counter per_recomputation(std::uint64_t n, std::uint64_t solves) {
  return benchmark::Counter(static_cast<double>(n) / static_cast<double>(std::max<std::uint64_t>(solves, 1)));
}

constexpr int kChurnEndpoints = 256;

class Churn {
 public:
  Churn(const Cluster& cluster, int in_flight, std::int64_t transfers)
      : net_(engine_, cluster), rng_(42), transfers_(transfers) {
    engine_.schedule_at(Time::zero(), [this, in_flight] {
      for (int i = 0; i < in_flight; ++i) start();
    });
  }
  void run() { engine_.run(); }
  [[nodiscard]] std::uint64_t events() const { return engine_.events_processed(); }
  [[nodiscard]] std::uint64_t recomputations() const { return net_.recomputations(); }
  [[nodiscard]] std::uint64_t rate_changes() const { return net_.rate_changes(); }
  [[nodiscard]] std::uint64_t solved() const { return net_.solved(); }
  [[nodiscard]] const fluid::MaxMinSolver& solver() const { return net_.solver(); }

 private:
  void start() {
    if (started_ == transfers_) return;
    ++started_;
    const auto src = static_cast<int>(rng_.below(kChurnEndpoints));
    const auto dst = static_cast<int>(
        (static_cast<std::uint64_t>(src) + 1 + rng_.below(kChurnEndpoints - 1)) % kChurnEndpoints);
    const auto bytes = static_cast<std::int64_t>(1'000 + rng_.below(10'000'000));
    net_.transfer(DeviceId(src), DeviceId(dst), Bytes(bytes), [this] { start(); });
  }

  sim::Engine engine_;
  FlowNetwork net_;
  Rng rng_;
  std::int64_t transfers_;
  std::int64_t started_ = 0;
};

void BM_FlowChurn(benchmark::State& state) {
  const auto in_flight = static_cast<int>(state.range(0));
  const auto links = static_cast<int>(state.range(1));
  const std::int64_t transfers = state.range(2);
  const Cluster cluster = cluster_of(
      kChurnEndpoints, [links] { return std::make_unique<RandomRoutes>(kChurnEndpoints, links, 7); });
  std::uint64_t events = 0;
  std::uint64_t solves = 0;
  std::uint64_t changes = 0;
  std::uint64_t solved = 0;
  std::uint64_t lazy = 0;
  std::uint64_t woken = 0;
  for (auto _ : state) {
    Churn churn(cluster, in_flight, transfers);
    churn.run();
    events += churn.events();
    solves += churn.recomputations();
    changes += churn.rate_changes();
    solved += churn.solved();
    lazy += churn.solver().lazy_total();
    woken += churn.solver().woken_total();
    if (churn.solver().lazy_failures() != 0) state.SkipWithError("a woken lazy link was below its bound");
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["recomputations_per_s"] =
      benchmark::Counter(static_cast<double>(solves), benchmark::Counter::kIsRate);
  // The flows given a new rate per recomputation (a new flow's first rate
  // included): the floor of any exact solver's work, since each needs a new
  // completion time.
  state.counters["rate_changes_per_recomputation"] =
      per_recomputation(changes, solves);
  // The flows each recomputation solved (its region): what it cost, against
  // the rate changes it had to find.
  state.counters["solved_per_recomputation"] =
      per_recomputation(solved, solves);
  // The region links the tight fills kept lazy, and those they woke, per
  // recomputation (sim/fluid/max_min_lazy.hpp): the scans spared are the
  // difference, times each link's flows.
  state.counters["lazy_links_per_recomputation"] = per_recomputation(lazy, solves);
  state.counters["woken_per_recomputation"] = per_recomputation(woken, solves);
  state.SetItemsProcessed(state.iterations() * transfers);  // transfers
}
BENCHMARK(BM_FlowChurn)
    ->Args({16, 1024, 100'000})
    ->Args({256, 1024, 20'000})
    ->Args({2048, 1024, 4'000})
    ->Args({2048, 65536, 50'000})
    ->Unit(benchmark::kMillisecond);

// ---- heavy overload on a chain ----

class ChainOverload {
 public:
  static constexpr int kEndpoints = 256;
  static constexpr double kBandwidth = 25e9;
  static constexpr std::int64_t kWindowNs = 20'000'000;

  ChainOverload(const Cluster& cluster, int transfers)
      : net_(engine_, cluster), up_(kEndpoints - 1, 0), down_(kEndpoints - 1, 0) {
    Rng rng(2024);
    for (int i = 0; i < transfers; ++i) {
      const auto src = static_cast<int>(rng.below(kEndpoints));
      const auto dst =
          static_cast<int>((static_cast<std::uint64_t>(src) + 1 + rng.below(kEndpoints - 1)) % kEndpoints);
      const auto bytes = static_cast<std::int64_t>(1'000 + rng.below(10'000'000));
      const auto at = static_cast<std::int64_t>(rng.below(kWindowNs));
      // The bytes each chain link carries, per direction (the two directions
      // of a cable are separate links).
      for (int k = std::min(src, dst); k < std::max(src, dst); ++k)
        (src < dst ? up_ : down_)[static_cast<std::size_t>(k)] += bytes;
      engine_.schedule_at(Time::from_ns(at), [this, src, dst, bytes] {
        net_.transfer(DeviceId(src), DeviceId(dst), Bytes(bytes), [this] { ++done_; });
      });
    }
  }
  void run() { engine_.run(); }
  [[nodiscard]] Time end() const { return engine_.now(); }
  [[nodiscard]] int done() const { return done_; }
  [[nodiscard]] std::uint64_t events() const { return engine_.events_processed(); }
  [[nodiscard]] std::uint64_t recomputations() const { return net_.recomputations(); }
  [[nodiscard]] std::uint64_t rate_changes() const { return net_.rate_changes(); }
  [[nodiscard]] std::uint64_t solved() const { return net_.solved(); }
  // The busiest link's bytes over its bandwidth: no schedule ends sooner.
  [[nodiscard]] std::int64_t lower_bound_ns() const {
    const std::int64_t most =
        std::max(*std::max_element(up_.begin(), up_.end()), *std::max_element(down_.begin(), down_.end()));
    return static_cast<std::int64_t>(static_cast<double>(most) * 1e9 / kBandwidth);
  }

 private:
  sim::Engine engine_;
  FlowNetwork net_;
  std::vector<std::int64_t> up_, down_;  // bytes over the link k -> k+1, and k+1 -> k
  int done_ = 0;
};

void BM_FlowChainOverload(benchmark::State& state) {
  const auto transfers = static_cast<int>(state.range(0));
  topo::ChainParams p;
  p.link_bandwidth = Bandwidth::bytes_per_s(ChainOverload::kBandwidth);
  p.link_latency = Duration::ns(500);
  const Cluster cluster(
      ClusterSpec(ChainOverload::kEndpoints, std::make_shared<topo::SingleDeviceNode>(), std::make_shared<topo::ChainSpec>(p)));
  std::uint64_t events = 0;
  std::uint64_t solves = 0;
  std::uint64_t changes = 0;
  std::uint64_t solved = 0;
  for (auto _ : state) {
    ChainOverload run(cluster, transfers);
    run.run();
    if (run.done() != transfers || run.end().ns() < run.lower_bound_ns()) {
      state.SkipWithError(fmt::format("{} of {} transfers done, ended at {} ns, the busiest link needs {} ns",
                                      run.done(), transfers, run.end().ns(), run.lower_bound_ns())
                              .c_str());
      return;
    }
    events += run.events();
    solves += run.recomputations();
    changes += run.rate_changes();
    solved += run.solved();
    state.counters["simulated_ms"] = static_cast<double>(run.end().ns()) / 1e6;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["recomputations"] = static_cast<double>(solves) / static_cast<double>(state.iterations());
  state.counters["rate_changes_per_recomputation"] =
      per_recomputation(changes, solves);
  // The flows each recomputation solved (its region): what it cost, against
  // the rate changes it had to find.
  state.counters["solved_per_recomputation"] =
      per_recomputation(solved, solves);
}
BENCHMARK(BM_FlowChainOverload)->Arg(2'000)->Arg(20'000)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// ---- all-to-all on a leaf/spine graph ----

// 16 leaves of 16 endpoints and 16 spines, every leaf joined to every spine:
// endpoint e = 16 × leaf + j. A flow to endpoint d leaves its leaf through
// spine d mod 16 (d-mod-k), so every leaf–spine link carries 240 of the
// all-to-all's flows and every endpoint link 255: non-blocking.
class LeafSpine final : public topo::Topology {
 public:
  static constexpr int kRadix = 16;  // endpoints per leaf = leaves = spines
  LeafSpine(Bandwidth bw, Duration latency) {
    for (int e = 0; e < kRadix * kRadix; ++e) add_vertex(topo::VertexKind::kEndpoint, fmt::format("e{}", e));
    for (int i = 0; i < kRadix; ++i) add_vertex(topo::VertexKind::kSwitch, fmt::format("leaf{}", i));
    for (int i = 0; i < kRadix; ++i) add_vertex(topo::VertexKind::kSwitch, fmt::format("spine{}", i));
    // Link 2e: e -> its leaf; 2e+1 back. Then leaf i <-> spine s at 2·(256 + 16 i + s) (+1 back).
    for (int e = 0; e < kRadix * kRadix; ++e) add_duplex(VertexId(e), leaf(e / kRadix), bw, latency);
    for (int i = 0; i < kRadix; ++i) {
      for (int s = 0; s < kRadix; ++s) add_duplex(leaf(i), spine(s), bw, latency);
    }
    seal();
  }
  [[nodiscard]] std::string_view kind() const override { return "leaf_spine"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override {
    if (src == dst) return;
    const int a = src / kRadix;
    const int b = dst / kRadix;
    out.emplace_back(2 * src);
    if (a != b) {
      const int s = dst % kRadix;
      out.emplace_back(2 * (kRadix * kRadix + kRadix * a + s));
      out.emplace_back(2 * (kRadix * kRadix + kRadix * b + s) + 1);
    }
    out.emplace_back(2 * dst + 1);
  }

 private:
  static VertexId leaf(int i) { return VertexId(kRadix * kRadix + i); }
  static VertexId spine(int s) { return VertexId(kRadix * kRadix + kRadix + s); }
};

void BM_FlowAllToAll(benchmark::State& state) {
  constexpr int kP = LeafSpine::kRadix * LeafSpine::kRadix;
  constexpr std::int64_t kBytes = 1 << 20;
  constexpr double kBandwidth = 50e9;
  constexpr std::int64_t kLatency = 500;
  const Cluster cluster = cluster_of(kP, [] {
    return std::make_unique<LeafSpine>(Bandwidth::bytes_per_s(kBandwidth), Duration::ns(kLatency));
  });
  // All flows end together: 255 S at B/255 each, then α (4 hops across leaves).
  const auto sending = static_cast<std::int64_t>(std::ceil(255.0 * kBytes * 1e9 / kBandwidth));
  const std::int64_t expected = sending + 4 * kLatency;
  std::uint64_t events = 0;
  std::uint64_t solves = 0;
  for (auto _ : state) {
    sim::Engine engine;
    FlowNetwork net(engine, cluster);
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::int64_t last = 0;
    std::int64_t finished = 0;
    engine.schedule_at(Time::zero(), [&] {
      for (int s = 0; s < kP; ++s) {
        for (int d = 0; d < kP; ++d) {
          if (s == d) continue;
          net.transfer(DeviceId(s), DeviceId(d), Bytes(kBytes), [&engine, &first, &last, &finished] {
            first = std::min(first, engine.now().ns());
            last = std::max(last, engine.now().ns());
            ++finished;
          });
        }
      }
    });
    engine.run();
    // Within a leaf the route has 2 hops, so the first arrivals come 2α earlier.
    if (finished != kP * (kP - 1) || last != expected || first != expected - 2 * kLatency) {
      state.SkipWithError(fmt::format("{} flows ended, from {} to {} ns; expected {} from {} to {} ns",
                                      finished, first, last, kP * (kP - 1), expected - 2 * kLatency, expected)
                              .c_str());
      return;
    }
    events += engine.events_processed();
    solves += net.recomputations();
  }
  state.counters["flows"] = kP * (kP - 1);
  state.counters["simulated_ns"] = static_cast<double>(expected);
  state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
  state.counters["recomputations"] = static_cast<double>(solves) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FlowAllToAll)->Iterations(3)->Unit(benchmark::kMillisecond);

// ---- ring all-reduce ----

class RingAllReduce {
 public:
  static constexpr int kP = 1024;
  static constexpr int kSteps = 2 * (kP - 1);
  static constexpr std::int64_t kChunk = (std::int64_t{1} << 30) / kP;

  explicit RingAllReduce(const Cluster& cluster) : net_(engine_, cluster) {
    engine_.schedule_at(Time::zero(), [this] {
      for (int i = 0; i < kP; ++i) send(i, 0);
    });
  }
  void run() { engine_.run(); }
  [[nodiscard]] Time end() const { return engine_.now(); }
  [[nodiscard]] std::int64_t flows() const { return flows_; }
  [[nodiscard]] std::uint64_t events() const { return engine_.events_processed(); }
  [[nodiscard]] std::uint64_t recomputations() const { return net_.recomputations(); }

 private:
  // Endpoint i sends its step-s chunk to i+1; when it arrives, i+1 sends step s+1.
  void send(int i, int step) {
    ++flows_;
    const int next = (i + 1) % kP;
    net_.transfer(DeviceId(i), DeviceId(next), Bytes(kChunk), [this, next, step] {
      if (step + 1 < kSteps) send(next, step + 1);
    });
  }

  sim::Engine engine_;
  FlowNetwork net_;
  std::int64_t flows_ = 0;
};

void BM_FlowRingAllReduce(benchmark::State& state) {
  constexpr double kBandwidth = 50e9;
  constexpr std::int64_t kLatency = 1000;
  topo::ChainParams p;
  p.link_bandwidth = Bandwidth::bytes_per_s(kBandwidth);
  p.link_latency = Duration::ns(kLatency);
  p.ring = true;
  const Cluster cluster(ClusterSpec(RingAllReduce::kP, std::make_shared<topo::SingleDeviceNode>(), std::make_shared<topo::ChainSpec>(p)));
  // 2(p−1)(α + ⌈(S/p)/B⌉): 1 MiB at 50 GB/s = 20971.52 → 20972 ns per step.
  const auto step = kLatency + static_cast<std::int64_t>(
                                   std::ceil(static_cast<double>(RingAllReduce::kChunk) * 1e9 / kBandwidth));
  const std::int64_t expected = RingAllReduce::kSteps * step;
  std::uint64_t events = 0;
  std::uint64_t solves = 0;
  for (auto _ : state) {
    RingAllReduce ring(cluster);
    ring.run();
    if (ring.end().ns() != expected ||
        ring.flows() != std::int64_t{RingAllReduce::kSteps} * RingAllReduce::kP) {
      state.SkipWithError(fmt::format("ended at {} ns after {} flows; expected {} ns", ring.end().ns(),
                                      ring.flows(), expected)
                              .c_str());
      return;
    }
    events += ring.events();
    solves += ring.recomputations();
  }
  state.counters["flows"] = static_cast<double>(std::int64_t{RingAllReduce::kSteps} * RingAllReduce::kP);
  state.counters["simulated_ns"] = static_cast<double>(expected);
  state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
  state.counters["recomputations"] = static_cast<double>(solves) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FlowRingAllReduce)->Iterations(3)->Unit(benchmark::kMillisecond);

// ---- the solver alone on a chain ----

void BM_MaxMinChain(benchmark::State& state) {
  const auto endpoints = static_cast<int>(state.range(0));
  const auto flows = static_cast<std::size_t>(state.range(1));
  const auto hops = static_cast<int>(state.range(2));
  fluid::MaxMinSolver s(state.range(3) != 0);
  for (int l = 0; l < 2 * (endpoints - 1); ++l) s.add_link(25e9);
  Rng rng(42);
  std::vector<std::int32_t> live, links;
  const auto add = [&] {
    const int length = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(hops)));
    const int a = static_cast<int>(rng.below(static_cast<std::uint64_t>(endpoints - length)));
    const bool up = rng.below(2) == 0;
    links.clear();
    for (int i = 0; i < length; ++i) links.push_back(up ? 2 * (a + i) : 2 * (a + length - 1 - i) + 1);
    live.push_back(s.add_flow(links));
  };
  while (live.size() < flows) add();
  s.solve();
  for (auto _ : state) {
    const auto k = static_cast<std::size_t>(rng.below(live.size()));
    s.remove_flow(live[k]);
    live[k] = live.back();
    live.pop_back();
    s.solve();
    add();
    s.solve();
  }
  state.counters["solves_per_s"] =
      benchmark::Counter(2 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["line_fills_per_solve"] =
      static_cast<double>(s.line_fills()) / static_cast<double>(std::max<std::uint64_t>(s.recomputations(), 1));
}
BENCHMARK(BM_MaxMinChain)
    ->ArgsProduct({{256}, {2'000}, {4, 128}, {0, 1}})
    ->Args({1'024, 20'000, 8, 0})
    ->Args({1'024, 20'000, 8, 1})
    ->Args({256, 4'800, 255, 0})
    ->Args({256, 4'800, 255, 1})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace orrery::exec
