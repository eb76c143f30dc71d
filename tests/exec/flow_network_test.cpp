// The `flow` network service against closed forms of fluid max-min sharing
// (B: link bandwidth in bytes/s, S: bytes, α: route latency, paid after the
// last byte), against the `analytic` model where no two transfers share a
// link, and for determinism and the one-pending-event rule.
//  * one flow: α + ⌈S/B⌉;
//  * k equal flows into one link: each gets B/k, all finish at kS/B + α;
//  * a second flow arriving when the first has sent half: the first finishes
//    at 1.5 S/B (S/2 alone, S/2 at B/2), the second at 2 S/B (S/2 at B/2,
//    then S/2 alone) — the link is never idle, so the last ends at 2S/B;
//  * flows of S and 3S together: the short one at 2S/B, the long one at 4S/B;
//  * parking lot: a long flow of L over three links, one short flow s_i on
//    each: every flow gets B/2 until s_3 ends (the long flow stays limited by
//    the links still shared), shorts end at 2 s_i / B, the long one at
//    (s_3 + L)/B.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>

#include "models/network/analytic.hpp"
#include "sim/core/rng.hpp"
#include "sim/exec/analytic_network.hpp"
#include "sim/exec/flow_network.hpp"
#include "sim/run/simulation.hpp"
#include "tests/exec/flow_network_harness.hpp"
#include "topologies/chain.hpp"

namespace orrery::exec {
namespace {

using namespace test;  // the harness (flow_network_harness.hpp)

TEST(FlowNetwork, OneFlowTakesLatencyPlusBytesOverBandwidth) {
  // Chain 0-1-2 at 10 GB/s, 700 ns per link; 1 MiB from 0 to 2 crosses links
  // 0 (0→1) and 2 (1→2): α = 1400 ns, ⌈1048576 / 10e9 s⌉ = ⌈104857.6⌉ = 104858 ns.
  Harness h(chain(3, 10e9, 700), true);
  const int t = h.start(0, 2, 1048576, 0);
  h.engine.run();
  EXPECT_EQ(h.end(t), 1400 + 104858);
  for (int link : {0, 2}) {
    EXPECT_EQ(h.usage(link).bytes.count(), 1048576);
    EXPECT_EQ(h.usage(link).busy.count(), 104858);  // sending, latency excluded
  }
  EXPECT_EQ(h.usage(1).bytes.count(), 0);
}

TEST(FlowNetwork, LinkUsageWhileAFlowSendsCountsItsBytesAndTheOpenBusyPeriod) {
  // The same 1 MiB over links 0 and 2 from 10 us, read at 60 us and again at
  // the end: the bytes count from the transfer's start, the busy time up to
  // the reading while the link sends (then ⌈104857.6⌉ = 104858 ns, as above).
  Harness h(chain(3, 10e9, 700), true);
  h.start(0, 2, 1048576, 10'000);
  std::vector<LinkUsage> midway;
  h.engine.schedule_at(Time::from_ns(60'000), [&] { midway = h.net->link_usage(); });
  h.engine.run();
  ASSERT_EQ(midway.size(), h.net->link_usage().size());
  for (int link : {0, 2}) {
    EXPECT_EQ(midway[static_cast<std::size_t>(link)].bytes.count(), 1048576);
    EXPECT_EQ(midway[static_cast<std::size_t>(link)].busy.count(), 50'000);
    EXPECT_EQ(h.usage(link).busy.count(), 104858);
  }
  EXPECT_EQ(midway[1].bytes.count(), 0);
  EXPECT_EQ(midway[1].busy.count(), 0);
}

TEST(FlowNetwork, EqualFlowsIntoOneLinkShareItAndFinishTogether) {
  // k senders into endpoint 0 of a star (1 GB/s, 1 us per link): 0's
  // downlink carries k flows at B/k each; all finish at kS/B + 2 us, and
  // complete (run `done`) in the order they started.
  for (int k : {2, 3, 7, 16}) {
    Harness h(star(k + 1, 1e9, 1000), true);
    for (int i = 1; i <= k; ++i) h.start(i, 0, 1'000'000, 0);
    h.engine.run(Time::from_ns(1));
    for (double r : h.flow().rates()) EXPECT_EQ(r, 1e9 / k);
    h.engine.run();
    for (int i = 0; i < k; ++i) EXPECT_EQ(h.end(i), k * 1'000'000 + 2000) << "k=" << k;
    std::vector<int> in_order(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) in_order[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(h.order, in_order);
    EXPECT_EQ(h.usage(1).busy.count(), k * 1'000'000);  // 0's downlink, busy throughout
  }
}

TEST(FlowNetwork, SecondFlowArrivingHalfwayClosedForm) {
  // One link, B = 1e9 B/s, S = 1e6 B (S/B = 1 ms), α = 500 ns; the second
  // flow starts at S/(2B) = 0.5 ms: first ends at 1.5 S/B, second at 2 S/B.
  Harness h(chain(2, 1e9, 500), true);
  const int a = h.start(0, 1, 1'000'000, 0);
  const int b = h.start(0, 1, 1'000'000, 500'000);
  h.engine.run(Time::from_ns(600'000));
  EXPECT_EQ(h.flow().rates(), (std::vector<double>{5e8, 5e8}));
  h.engine.run();
  EXPECT_EQ(h.end(a), 1'500'000 + 500);
  EXPECT_EQ(h.end(b), 2'000'000 + 500);
  EXPECT_EQ(h.usage(0).busy.count(), 2'000'000);
  // The first went out detached; the second brought it into the solver at
  // 0.5 ms (one solve), and its end at 1.5 ms left the second alone (another).
  EXPECT_EQ(h.flow().recomputations(), 2u);
}

TEST(FlowNetwork, AFlowEndingFreesBandwidthForTheOthers) {
  // S = 1e6 and 3S on one link from t = 0: both at B/2 until the short one
  // ends at 2S/B; the long one has 2S left at B: ends at 4S/B.
  Harness h(chain(2, 1e9, 0), true);
  const int small = h.start(0, 1, 1'000'000, 0);
  const int large = h.start(0, 1, 3'000'000, 0);
  h.engine.run();
  EXPECT_EQ(h.end(small), 2'000'000);
  EXPECT_EQ(h.end(large), 4'000'000);
  // 1, 10, 10 and 13 MB together at 1 GB/s: B/4 each until the first ends
  // at 4 ms; then B/3 (not exact in binary) for the 9, 9 and 12 MB left, the
  // two 10 MB ones end at 4 + 27 = 31 ms; the last sends its 3 MB at B: 34 ms
  // (= 34 MB / B, the link never idle) — not a ns later, though the bytes
  // left after the B/3 phase carry rounding noise.
  Harness g(chain(2, 1e9, 0), true);
  for (std::int64_t mb : {1, 10, 10, 13}) g.start(0, 1, mb * 1'000'000, 0);
  g.engine.run();
  EXPECT_EQ(g.ends(), (std::vector<std::int64_t>{4'000'000, 31'000'000, 31'000'000, 34'000'000}));
}

TEST(FlowNetwork, FlowsThatSlowDownFinishAtTheirNewTimesInOrder) {
  // One link at B = 1 GB/s, no latency. A (2 MB) and C (10 MB) from t = 0 at
  // B/2; B (1 MB) joins at 1 ms, and all three run at B/3: A and C slow down,
  // and their queued completion times (A's was 4 ms) stay early until they
  // reach the queue's front (FlowNetwork::settle_front). B ends at
  // 1 + 1/(1/3) = 4 ms, the very time A's early entry holds: A has 1.5 − 1 =
  // 0.5 MB left and ends at 4 + 0.5/0.5 = 5 ms; C, with 10 − 0.5 − 1 − 0.5 =
  // 8 MB left at 5 ms, alone, at 13 ms (13 MB at B, the link never idle).
  // B/3 is not exact in binary: B's end is the ceiling of a time a hair past
  // 4 ms, and what follows it one ns later.
  Harness h(chain(2, 1e9, 0), true);
  const int a = h.start(0, 1, 2'000'000, 0);
  const int c = h.start(0, 1, 10'000'000, 0);
  const int b = h.start(0, 1, 1'000'000, 1'000'000);
  h.engine.run();
  EXPECT_EQ(h.order, (std::vector<int>{b, a, c}));
  EXPECT_NEAR(static_cast<double>(h.end(b)), 4'000'000, 1);
  EXPECT_NEAR(static_cast<double>(h.end(a)), 5'000'000, 1);
  EXPECT_NEAR(static_cast<double>(h.end(c)), 13'000'000, 1);
}

TEST(FlowNetwork, ParkingLotClosedForm) {
  // Chain 0-1-2-3, B = 1e9 B/s, 100 ns per link. Long flow 0→3 of L = 5e6 B;
  // shorts 0→1, 1→2, 2→3 of 1e6, 2e6, 3e6 B. Shorts end at 2 s_i / B + 100 ns;
  // the long one at (s_3 + L)/B + 300 ns = 8 ms + 300 ns.
  Harness h(chain(4, 1e9, 100), true);
  const int lng = h.start(0, 3, 5'000'000, 0);
  const int s1 = h.start(0, 1, 1'000'000, 0);
  const int s2 = h.start(1, 2, 2'000'000, 0);
  const int s3 = h.start(2, 3, 3'000'000, 0);
  h.engine.run(Time::from_ns(1));
  EXPECT_EQ(h.flow().rates(), (std::vector<double>{5e8, 5e8, 5e8, 5e8}));
  h.engine.run(Time::from_ns(2'500'000));  // s1 gone, the long flow still at B/2 (links 1→2, 2→3)
  EXPECT_EQ(h.flow().rates(), (std::vector<double>{5e8, 5e8, 5e8}));
  h.engine.run();
  EXPECT_EQ(h.end(s1), 2'000'000 + 100);
  EXPECT_EQ(h.end(s2), 4'000'000 + 100);
  EXPECT_EQ(h.end(s3), 6'000'000 + 100);
  EXPECT_EQ(h.end(lng), 8'000'000 + 300);
  // Link 0 (0→1) carried s1 + L and was busy until the long flow's last byte.
  EXPECT_EQ(h.usage(0).bytes.count(), 6'000'000);
  EXPECT_EQ(h.usage(0).busy.count(), 8'000'000);
  EXPECT_EQ(h.usage(4).bytes.count(), 8'000'000);  // 2→3: s3 + L
}

TEST(FlowNetwork, KeepsOnePendingEventAndSolvesOncePerInstant) {
  // No latency, so `done` runs in the completing ns and the only event left
  // in the engine between instants is the network's own.
  Harness h(star(5, 1e9, 0), true);
  for (int i = 1; i <= 3; ++i) h.start(i, 0, 1'000'000, 0);
  h.start(4, 0, 1'000'000, 1'000'000);
  h.engine.run(Time::from_ns(10));
  // Three flows started in one ns: the first, onto idle links, goes out
  // detached with no solve; the two that join it bring it into the solver
  // and are solved together with it, once.
  EXPECT_EQ(h.flow().recomputations(), 1u);
  EXPECT_EQ(h.engine.pending(), 2u);  // the next completion, and the 4th start
  h.engine.run(Time::from_ns(1'000'010));
  EXPECT_EQ(h.engine.pending(), 1u);
  EXPECT_EQ(h.flow().recomputations(), 2u);
  h.engine.run(Time::from_ns(3'500'000));
  EXPECT_EQ(h.engine.pending(), 1u);
  h.engine.run();
  EXPECT_EQ(h.engine.pending(), 0u);
  EXPECT_EQ(h.flow().active_flows(), 0u);
  // First three: 1 ms at B/3, then B/4 with the fourth: each has 2e6/3 B left
  // → 8/3 ms more, ends at 11/3 ms = 3666666.67 → rounded up to 3666667 ns.
  // The fourth has sent 2.5e8 B/s × 2666667 ns = 666666.75 B by then and
  // sends the 333333.25 B left alone: 333334 ns more, 4000001 ns. (Exact
  // fluid: 4 ms; rounding each completion up to a whole ns costs < 1 ns.)
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h.end(i), 3'666'667);
  EXPECT_EQ(h.end(3), 4'000'001);
}

TEST(FlowNetwork, AgreesWithAnalyticWhenNoTwoTransfersShareALink) {
  // A line of 24 spans with random bandwidths and latencies. Each round cuts
  // the line into random segments and sends one transfer each way along each
  // segment, so no directed link carries two transfers at once; rounds are
  // 1 s apart, longer than any transfer (≤ 1e8 B at ≥ 1 GB/s). The analytic
  // model's α + ⌈S/min B⌉ is then the fluid model's time exactly.
  Rng rng(11);
  const int spans = 24;
  std::vector<Bandwidth> bw;
  std::vector<Duration> latency;
  for (int i = 0; i < spans; ++i) {
    bw.push_back(Bandwidth::bytes_per_s(1e9 * static_cast<double>(1 + rng.below(100))));
    latency.push_back(Duration::ns(static_cast<std::int64_t>(rng.below(2000))));
  }
  const ClusterSpec spec = spec_of(spans + 1, [&] { return std::make_unique<Line>(bw, latency); });
  Harness flow(spec, true);
  Harness analytic(spec, false);
  for (int round = 0; round < 20; ++round) {
    int a = 0;
    while (a < spans) {
      const int b = std::min(spans, a + 1 + static_cast<int>(rng.below(6)));
      for (auto [src, dst] : {std::pair{a, b}, std::pair{b, a}}) {
        const auto bytes = static_cast<std::int64_t>(1 + rng.below(100'000'000));
        const std::int64_t at = round * 1'000'000'000LL + static_cast<std::int64_t>(rng.below(1'000'000));
        flow.start(src, dst, bytes, at);
        analytic.start(src, dst, bytes, at);
      }
      a = b;
    }
  }
  flow.engine.run();
  analytic.engine.run();
  ASSERT_EQ(flow.done.size(), analytic.done.size());
  for (std::size_t i = 0; i < flow.done.size(); ++i)
    EXPECT_EQ(flow.done[i], analytic.done[i]) << "transfer " << i;
  for (int l = 0; l < 2 * spans; ++l) EXPECT_EQ(flow.usage(l).bytes, analytic.usage(l).bytes);
}

TEST(FlowNetwork, SameInputsGiveTheSameCompletionOrderAndTimes) {
  // Random contending traffic on a star, with bursts of identical transfers
  // started in the same ns (ties in completion time), run twice.
  const auto once = [] {
    Harness h(star(16, 2e9, 300), true);
    Rng rng(5);
    for (int i = 0; i < 300; ++i) {
      const auto src = static_cast<int>(rng.below(16));
      const auto dst = static_cast<int>((static_cast<std::uint64_t>(src) + 1 + rng.below(15)) % 16);
      const auto bytes = static_cast<std::int64_t>(1 + rng.below(10'000'000));
      const auto at = static_cast<std::int64_t>(rng.below(20'000'000));
      const int copies = rng.below(4) == 0 ? 3 : 1;
      for (int c = 0; c < copies; ++c) h.start(src, dst, bytes, at);
    }
    h.engine.run();
    return std::pair{h.ends(), h.order};
  };
  const auto first = once();
  const auto second = once();
  EXPECT_EQ(first.first, second.first);  // completion times, transfer by transfer
  EXPECT_EQ(first.second, second.second);
  EXPECT_GT(first.second.size(), 300u);
}

run::RunOutput quickstart(const std::string& model) {
  const run::Catalog catalog;
  return run::simulate(run::load_scenario(catalog, ORRERY_SOURCE_DIR "/scenarios/quickstart.yaml",
                                                {"network.model=" + model}, std::nullopt));
}

TEST(FlowNetwork, QuickstartGivesTheAnalyticNumbers) {
  // The quickstart pipeline never has two transfers on one directed link at
  // once (a 676 us hop against 1 ms between sends on a stage), so fluid
  // sharing changes nothing: same spans, links and iteration time.
  const auto flow = quickstart("flow");
  const auto analytic = quickstart("analytic");
  const auto& fs = flow.recorder->spans();
  const auto& as = analytic.recorder->spans();
  ASSERT_EQ(fs.size(), as.size());
  for (std::size_t i = 0; i < fs.size(); ++i) {
    EXPECT_TRUE(fs[i].start == as[i].start && fs[i].end == as[i].end && fs[i].device == as[i].device &&
                fs[i].name == as[i].name)
        << i;
  }
  const auto& fl = flow.recorder->links();
  const auto& al = analytic.recorder->links();
  ASSERT_EQ(fl.size(), al.size());
  for (std::size_t i = 0; i < fl.size(); ++i) {
    EXPECT_EQ(fl[i].busy, al[i].busy) << "link " << i;
    EXPECT_EQ(fl[i].bytes, al[i].bytes) << "link " << i;
  }
  const auto* ft = flow.recorder->summary().find("iteration_time_s");
  const auto* at = analytic.recorder->summary().find("iteration_time_s");
  ASSERT_TRUE(ft && at);
  EXPECT_EQ(std::get<double>(*ft), std::get<double>(*at));
  // With no link ever shared, every transfer goes out detached (onto idle
  // links, at its narrowest link's rate): nothing for the solver to solve.
  const auto* solves = flow.recorder->summary().find("flow_recomputations");
  ASSERT_NE(solves, nullptr);
  EXPECT_EQ(std::get<std::int64_t>(*solves), 0);
  EXPECT_EQ(analytic.recorder->summary().find("flow_recomputations"), nullptr);
}

std::string error_of(const std::string& network) {
  const std::string text = R"(cluster:
  nodes: 2
  scale_out: { kind: chain, link_bandwidth: "50 GB/s" }
network: )" + network + R"(
workload:
  kind: pipeline
  stages: 2
  micro_batches: 2
  compute: { model: profiled, forward: "1 ms", backward: "2 ms" }
)";
  const run::Catalog catalog;
  try {
    (void)run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FlowNetworkInvalid, UnknownModelAndUnknownKeyAreReportedWhereTheyAre) {
  EXPECT_EQ(error_of("{ model: flow }"), "(no error)");
  // Columns counted in `network: { model: flwo }` on line 4.
  EXPECT_EQ(
      error_of("{ model: flwo }"),
      "s.yaml:4:19: error: network.model: unknown value 'flwo'; did you mean 'flow'?; valid: analytic, flow");
  // The flow model has no parameters: latency comes from the links.
  EXPECT_EQ(error_of("{ model: flow, latency: \"1 us\" }"),
            "s.yaml:4:25: error: network: unknown key 'latency'; valid: model");
}

}  // namespace
}  // namespace orrery::exec
