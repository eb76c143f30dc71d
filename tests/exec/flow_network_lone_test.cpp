// Lone and detached flows (sim/exec/flow_network.hpp): a flow alone on its
// links is one engine event and leaves them at its last byte; a transfer onto
// idle links stays out of the solver until another joins it, with the rates
// and times of a network that solves every transfer from its start.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "sim/core/rng.hpp"
#include "tests/exec/flow_network_harness.hpp"

namespace orrery::exec {
namespace {

using namespace test;  // the harness (flow_network_harness.hpp)

TEST(FlowNetwork, ALoneFlowIsOneEventAndLeavesItsLinksAtItsLastByte) {
  // 1 MiB over chain 0-1-2 (10 GB/s, 700 ns a link: α + ⌈S/B⌉ = 1400 +
  // 104858 ns, flow_network_test.cpp's first case), alone on its links:
  // besides the harness's start, one engine event (its last byte's
  // bookkeeping and `done`), not an update at the last byte and a `done`
  // after α.
  Harness h(chain(3, 10e9, 700), true);
  const int t = h.start(0, 2, 1048576, 0);
  h.engine.run();
  EXPECT_EQ(h.end(t), 1400 + 104858);
  EXPECT_EQ(h.engine.events_processed(), 2u);
  EXPECT_EQ(h.usage(0).busy.count(), 104858);
  EXPECT_EQ(h.flow().active_flows(), 0u);
  // Onto idle links it is detached: its rate is its narrowest link's, and the solver never sees it.
  EXPECT_EQ(h.flow().recomputations(), 0u);
}

TEST(FlowNetwork, AFlowJoiningALoneFlowPastItsLastByteFindsTheLinkFree) {
  // One link, B = 1e9 B/s, α = 0.5 ms, S = 1e6 B (S/B = 1 ms). A starts at 0:
  // last byte at 1 ms, done at 1.5 ms. B starts at 1.2 ms, after A's last
  // byte and before its done: A left the link at 1 ms, so B has all of it:
  // last byte at 2.2 ms, done at 2.7 ms. C starts exactly at B's last byte
  // (2.2 ms), the same: it sends alone from 2.2 ms, done at 3.7 ms. The link
  // was busy 1 ms for A, then 2 ms for B and C back to back: 3 ms.
  Harness h(chain(2, 1e9, 500'000), true);
  const int a = h.start(0, 1, 1'000'000, 0);
  const int b = h.start(0, 1, 1'000'000, 1'200'000);
  const int c = h.start(0, 1, 1'000'000, 2'200'000);
  h.engine.run(Time::from_ns(1'100'000));
  EXPECT_TRUE(h.flow().rates().empty());  // A sent its last byte: nothing is sending
  h.engine.run(Time::from_ns(1'300'000));
  EXPECT_EQ(h.flow().rates(), (std::vector<double>{1e9}));  // B alone, A's done not yet run
  h.engine.run();
  EXPECT_EQ(h.end(a), 1'500'000);
  EXPECT_EQ(h.end(b), 2'700'000);
  EXPECT_EQ(h.end(c), 3'700'000);
  EXPECT_EQ(h.order, (std::vector<int>{a, b, c}));
  EXPECT_EQ(h.usage(0).busy.count(), 3'000'000);
  EXPECT_EQ(h.usage(0).bytes.count(), 3'000'000);
  EXPECT_EQ(h.flow().active_flows(), 0u);
  EXPECT_EQ(h.flow().recomputations(), 0u);  // each found the link idle: three detached flows, no solve
}

TEST(FlowNetwork, DetachedFlowsGiveTheRatesAndTimesOfFlowsSolvedFromTheirStart) {
  // A transfer onto idle links goes out detached, outside the solver, and
  // enters it only when another joins one of its links: the solver's rates
  // are a function of the flows present (sim/fluid/max_min.hpp), so every
  // completion time, link byte and busy ns must equal those of the same
  // network solving every transfer from its start (the independent run).
  // Random traffic on a star (every pair shares the hub's links) and a line
  // (routes overlap in part), sparse enough that most transfers start on idle
  // links and many are joined later: before, at and past their last byte.
  for (int shape = 0; shape < 2; ++shape) {
    const ClusterSpec spec = shape == 0 ? star(8, 1e9, 400) : spec_of(6, [] {
      return std::make_unique<Line>(
          std::vector<Bandwidth>{Bandwidth::bytes_per_s(1e9), Bandwidth::bytes_per_s(3e8),
                                 Bandwidth::bytes_per_s(2e9), Bandwidth::bytes_per_s(7e8),
                                 Bandwidth::bytes_per_s(1e9)},
          std::vector<Duration>{Duration::ns(100), Duration::ns(900), Duration::ns(0), Duration::ns(250),
                                Duration::ns(40)});
    });
    const int n = shape == 0 ? 8 : 6;
    Harness detached(spec, true, true);
    Harness solved(spec, true, false);
    Rng rng(static_cast<std::uint64_t>(17 + shape));
    std::int64_t at = 0;
    for (int i = 0; i < 400; ++i) {
      const auto src = static_cast<int>(rng.below(static_cast<std::uint64_t>(n)));
      const auto dst = static_cast<int>(
          (static_cast<std::uint64_t>(src) + 1 + rng.below(static_cast<std::uint64_t>(n - 1))) %
          static_cast<std::uint64_t>(n));
      const auto bytes = static_cast<std::int64_t>(1 + rng.below(2'000'000));
      at += static_cast<std::int64_t>(rng.below(1'500'000));  // ~1 ms apart, ~1 ms long: sparse
      const int copies = rng.below(8) == 0 ? 2 : 1;           // and some in the same ns
      for (int c = 0; c < copies; ++c) {
        detached.start(src, dst, bytes, at);
        solved.start(src, dst, bytes, at);
      }
    }
    detached.engine.run();
    solved.engine.run();
    expect_same_run(detached, solved, fmt::format("shape {}", shape));
    // Both paths ran: some transfers shared links (solves), and the detached
    // run needed fewer solves than the one that solves every transfer.
    EXPECT_GT(detached.flow().recomputations(), 0u);
    EXPECT_LT(detached.flow().recomputations(), solved.flow().recomputations());
    EXPECT_EQ(detached.flow().active_flows(), 0u);
  }
}

TEST(FlowNetwork, ATransferOnAKnownRouteIsTheTransferBetweenItsDevices) {
  // A collective finds each pair's route once and starts its transfers on it
  // (NetworkService::route, transfer_on): the same transfers, so the same
  // ends, order and link usage as transfer() between the devices, on both
  // networks. Random traffic on a star, dense enough that flows share links.
  for (const bool flow : {true, false}) {
    Harness by_devices(star(6, 1e9, 300), flow);
    Harness on_routes(star(6, 1e9, 300), flow);
    on_routes.known_routes = true;
    Rng rng(29);
    std::int64_t at = 0;
    std::set<std::pair<int, int>> pairs;  // the pairs drawn
    for (int i = 0; i < 300; ++i) {
      const auto src = static_cast<int>(rng.below(6));
      const auto dst = static_cast<int>((static_cast<std::uint64_t>(src) + 1 + rng.below(5)) % 6);
      pairs.emplace(src, dst);
      const auto bytes = static_cast<std::int64_t>(1 + rng.below(1'000'000));
      at += static_cast<std::int64_t>(rng.below(200'000));
      by_devices.start(src, dst, bytes, at);
      on_routes.start(src, dst, bytes, at);
    }
    by_devices.engine.run();
    on_routes.engine.run();
    expect_same_run(on_routes, by_devices, fmt::format("flow {}", flow));
    EXPECT_EQ(on_routes.routes.size(), pairs.size());  // each pair drawn found once
    EXPECT_TRUE(on_routes.routes.begin()->second.known);
  }
}

}  // namespace
}  // namespace orrery::exec
