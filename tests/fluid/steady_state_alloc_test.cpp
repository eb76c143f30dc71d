// The fluid model allocates nothing in steady state: once a pattern of flows
// has run, running the same pattern again (same sizes of everything) reuses
// the vectors it grew. Checked by counting calls to the global operator new,
// replaced below for the whole test binary (it only counts, then mallocs).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <span>

#include "sim/core/rng.hpp"
#include "sim/exec/flow_network.hpp"
#include "sim/fluid/max_min.hpp"
#include "topologies/chain.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (std::stable_sort's temporary buffer uses it): every
// new this binary's deletes free must come from malloc.
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
// Not inlined: GCC would otherwise see `new` paired with free() and warn.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace orrery {
namespace {

// Adds and removes flows of `route(rng)` (a span into a buffer of the
// caller's) on 64 links in an order drawn from `seed`, solving after each change.
template <class Route>
void churn(fluid::MaxMinSolver& s, std::vector<std::int32_t>& live, std::uint64_t seed, Route route) {
  Rng rng(seed);
  for (int step = 0; step < 2000; ++step) {
    if (live.size() < 40 && (live.empty() || rng.below(2) == 0)) {
      live.push_back(s.add_flow(route(rng)));
    } else {
      const auto k = static_cast<std::size_t>(rng.below(live.size()));
      s.remove_flow(live[k]);
      live[k] = live.back();
      live.pop_back();
    }
    s.solve();
  }
  while (!live.empty()) {
    s.remove_flow(live.back());
    live.pop_back();
    s.solve();
  }
}

TEST(FluidSteadyState, SolverReplayAllocatesNothing) {
  fluid::MaxMinSolver s;
  for (int l = 0; l < 64; ++l) s.add_link(1.0 + l);
  std::vector<std::int32_t> live;
  live.reserve(64);
  std::array<std::int32_t, 3> links{};
  const auto three = [&](Rng& rng) {  // 3 random links
    for (auto& l : links) l = static_cast<std::int32_t>(rng.below(64));
    return std::span<const std::int32_t>(links);
  };
  churn(s, live, 3, three);  // grows every vector to what this pattern needs
  const std::uint64_t before = g_allocations.load();
  churn(s, live, 3, three);
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

// The same along a chain of 33 endpoints (links 2i up, 2i+1 back, as
// topologies/chain): runs of 8 links (of one length, so that a reused flow
// slot never needs a longer list), so the solver stays in line mode, whose
// buckets and scratch keep their capacity too.
TEST(FluidSteadyState, SolverLineChurnAllocatesNothing) {
  fluid::MaxMinSolver s;
  for (int l = 0; l < 64; ++l) s.add_link(1.0 + l);
  std::vector<std::int32_t> live;
  live.reserve(64);
  std::array<std::int32_t, 8> links{};
  const auto run = [&](Rng& rng) {
    const auto a = static_cast<int>(rng.below(25));
    const bool up = rng.below(2) == 0;
    for (int i = 0; i < 8; ++i) links[static_cast<std::size_t>(i)] = up ? 2 * (a + i) : 2 * (a + 7 - i) + 1;
    return std::span<const std::int32_t>(links);
  };
  churn(s, live, 5, run);
  ASSERT_TRUE(s.on_lines());
  const std::uint64_t before = g_allocations.load();
  churn(s, live, 5, run);
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

TEST(FluidSteadyState, FlowNetworkRingStepsAllocateNothing) {
  // Rounds of 16 neighbour transfers on a ring: after the first round (routes
  // cached, vectors grown, engine slots made), later rounds allocate nothing.
  topo::ChainParams p;
  p.link_bandwidth = Bandwidth::bytes_per_s(1e9);
  p.link_latency = Duration::ns(100);
  p.ring = true;
  const exec::Cluster cluster(exec::ClusterSpec(16, std::make_shared<topo::SingleDeviceNode>(), std::make_shared<topo::ChainSpec>(p)));
  sim::Engine engine;
  exec::FlowNetwork net(engine, cluster);
  int arrived = 0;
  const auto round = [&] {
    for (int i = 0; i < 16; ++i) {
      net.transfer(DeviceId(i), DeviceId((i + 1) % 16), Bytes(1'000'000 + 1000 * i),
                   [&arrived] { ++arrived; });
    }
    engine.run();
  };
  // Warm-up: the engine's radix queue files keys into one of 64 buckets by
  // the highest bit in which their time differs from the last popped time, so
  // as the clock advances new buckets come into use and each grows its vector
  // once, to at most the 16 keys of a round: at most 64 × log2(16) + 64
  // allocations in all, after which the pattern is in steady state.
  constexpr int kWarmUp = 400;
  for (int r = 0; r < kWarmUp; ++r) round();
  const std::uint64_t before = g_allocations.load();
  for (int r = 0; r < 10; ++r) round();
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_EQ(arrived, 16 * (kWarmUp + 10));
}

}  // namespace
}  // namespace orrery
