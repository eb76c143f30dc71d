// The max-min solver against hand-computed allocations (progressive filling
// done on paper, as in Bertsekas & Gallager, Data Networks, §6.5.2), against
// the bottleneck characterisation of max-min fairness, and against an
// independent from-scratch implementation (`reference_rates` in max_min_reference.hpp: every
// round recounts every link, with no heap, no components and no incremental
// state) on random networks whose flows come and go.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/fluid/max_min.hpp"
#include "tests/fluid/max_min_reference.hpp"

namespace orrery::fluid {
namespace {

using test::distinct_links;
using test::expect_max_min_fair;
using test::first_difference_from_scratch;
using test::reference_rates;
using test::remove_one;
using test::TestFlow;

TEST(MaxMin, EqualFlowsOnOneLinkShareItEqually) {
  // k flows on a link of capacity C get C/k each.
  for (int k : {1, 2, 3, 7, 64}) {
    MaxMinSolver s;
    s.add_link(12.0);
    std::vector<std::int32_t> ids;
    for (int i = 0; i < k; ++i) ids.push_back(s.add_flow(std::vector<std::int32_t>{0}));
    s.solve();
    for (auto id : ids) EXPECT_DOUBLE_EQ(s.rate(id), 12.0 / k) << "k=" << k;
  }
}

// Three links in a row, L0 (C=1), L1 (C=3), L2 (C=4); flows f0 {L0},
// f1 {L0, L1}, f2 {L1}, f3 {L1, L2}, f4 {L2}. By hand:
//   round 1: shares L0 1/2, L1 3/3, L2 4/2 → λ = 1/2, f0 = f1 = 1/2;
//   round 2: L1 has 3 − 1/2 = 5/2 left for 2 flows → 5/4; L2 still 2 → λ = 5/4, f2 = f3 = 5/4;
//   round 3: L2 has 4 − 5/4 = 11/4 left for f4 → f4 = 11/4.
// L1's naive share (1) is not its flows' rate: the order of bottlenecks matters.
TEST(MaxMin, MultiBottleneckExampleByHand) {
  MaxMinSolver s;
  for (double c : {1.0, 3.0, 4.0}) s.add_link(c);
  const std::vector<std::vector<std::int32_t>> routes{{0}, {0, 1}, {1}, {1, 2}, {2}};
  std::vector<std::int32_t> f;
  for (const auto& r : routes) f.push_back(s.add_flow(r));
  s.solve();
  const std::vector<double> expected{0.5, 0.5, 1.25, 1.25, 2.75};
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(s.rate(f[i]), expected[i]) << "f" << i;
  // Without f0: shares L0 1/1, L1 3/3, L2 4/2 → λ = 1 fills L0 and L1 together:
  // f1 = f2 = f3 = 1; then L2 has 3 left for f4.
  s.remove_flow(f[0]);
  s.solve();
  EXPECT_EQ(s.rate(f[1]), 1.0);
  EXPECT_EQ(s.rate(f[2]), 1.0);
  EXPECT_EQ(s.rate(f[3]), 1.0);
  EXPECT_EQ(s.rate(f[4]), 3.0);
}

TEST(MaxMin, ParkingLotLongFlowGetsHalfEverywhere) {
  // n unit links in a row, one flow across all and one flow per link: every
  // link is shared by two flows, so everyone gets 1/2 (the parking-lot example:
  // maximising total throughput would starve the long flow instead).
  MaxMinSolver s;
  const int n = 5;
  std::vector<std::int32_t> all;
  for (int i = 0; i < n; ++i) all.push_back(s.add_link(1.0));
  const auto long_flow = s.add_flow(all);
  std::vector<std::int32_t> shorts;
  for (int i = 0; i < n; ++i) shorts.push_back(s.add_flow(std::vector<std::int32_t>{i}));
  s.solve();
  EXPECT_EQ(s.rate(long_flow), 0.5);
  for (auto id : shorts) EXPECT_EQ(s.rate(id), 0.5);
}

TEST(MaxMin, RateCapsFreeCapacityForTheOthers) {
  // Link C = 10: a flow capped at 1 stops there and the other gets 10 − 1 = 9;
  // a cap above the fair share (20 > 5) does not bind.
  MaxMinSolver s;
  s.add_link(10.0);
  const auto capped = s.add_flow(std::vector<std::int32_t>{0}, 1.0);
  const auto free_flow = s.add_flow(std::vector<std::int32_t>{0});
  s.solve();
  EXPECT_EQ(s.rate(capped), 1.0);
  EXPECT_EQ(s.rate(free_flow), 9.0);
  MaxMinSolver t;
  t.add_link(10.0);
  const auto a = t.add_flow(std::vector<std::int32_t>{0}, 20.0);
  const auto b = t.add_flow(std::vector<std::int32_t>{0});
  t.solve();
  EXPECT_EQ(t.rate(a), 5.0);
  EXPECT_EQ(t.rate(b), 5.0);
}

TEST(MaxMin, OnlyTheChangedComponentIsRecomputed) {
  // Two components: {L0: f0, f1} and {L1, L2: g0 on both, g1 on L2}. A flow
  // added on L0 re-rates L0's flows only; the other component's rates stay.
  MaxMinSolver s;
  s.add_link(6.0);
  s.add_link(8.0);
  s.add_link(2.0);
  const auto f0 = s.add_flow(std::vector<std::int32_t>{0});
  const auto f1 = s.add_flow(std::vector<std::int32_t>{0});
  const auto g0 = s.add_flow(std::vector<std::int32_t>{1, 2});
  const auto g1 = s.add_flow(std::vector<std::int32_t>{2});
  s.solve();
  EXPECT_EQ(s.solved_flows().size(), 4u);
  EXPECT_EQ(s.rate(g0), 1.0);  // L2: 2 / 2
  const auto f2 = s.add_flow(std::vector<std::int32_t>{0});
  s.solve();
  std::vector<std::int32_t> solved(s.solved_flows().begin(), s.solved_flows().end());
  std::sort(solved.begin(), solved.end());
  EXPECT_EQ(solved, (std::vector<std::int32_t>{f0, f1, f2}));
  EXPECT_EQ(s.rate(f0), 2.0);  // 6 / 3
  EXPECT_EQ(s.rate(g1), 1.0);
  EXPECT_EQ(s.recomputations(), 2u);
  s.solve();  // nothing changed: no recomputation
  EXPECT_EQ(s.recomputations(), 2u);
  // Removing g1 splits nothing but frees L2: g0 gets min(8, 2) = 2.
  s.remove_flow(g1);
  s.solve();
  EXPECT_EQ(s.solved_flows().size(), 1u);
  EXPECT_EQ(s.rate(g0), 2.0);
}

// A flow alone on every link it crosses is a component of one: its rate is
// its narrowest link or its cap (progressive filling's single round), and
// solve() touches nothing else. Removing it leaves nothing to re-solve.
TEST(MaxMin, AFlowAloneOnItsLinksTakesItsNarrowestLinkOrCap) {
  MaxMinSolver s;
  for (double c : {46.0, 100.0, 30.0, 80.0}) s.add_link(c);
  const std::int32_t a = s.add_flow(std::vector<std::int32_t>{0, 1});
  const std::int32_t b = s.add_flow(std::vector<std::int32_t>{2}, 20.0);
  s.solve();
  EXPECT_EQ(s.rate(a), 46.0);  // min(46, 100)
  EXPECT_EQ(s.rate(b), 20.0);  // its cap, below the link's 30
  EXPECT_EQ(s.solved_flows().size(), 2u);
  s.remove_flow(a);
  s.solve();
  EXPECT_TRUE(s.solved_flows().empty());
  EXPECT_EQ(s.rate(b), 20.0);
  // A flow joining b's link shares it: 30 / 2 = 15 each, under b's cap of 20.
  const std::int32_t c = s.add_flow(std::vector<std::int32_t>{2, 3});
  s.solve();
  EXPECT_EQ(s.rate(c), 15.0);
  EXPECT_EQ(s.rate(b), 15.0);
}

TEST(MaxMin, ABusyLinkStartsAtTheFloorFromItsLedger) {
  // S (capacity 1,000) carries forty flows f_i, each also on its own link of
  // capacity i (i = 1..40), so f_i = i and S carries 820 of them, and two
  // flows g_0, g_1 on S alone: (1,000 - 820) / 2 = 90 each. S holds 42
  // flows, more than kLedgerMembers (32), so its fills write its rounds down.
  MaxMinSolver s;
  const auto shared = s.add_link(1000.0);
  std::vector<std::int32_t> f;
  for (int i = 1; i <= 40; ++i) {
    const auto own = s.add_link(static_cast<double>(i));
    f.push_back(s.add_flow(std::vector<std::int32_t>{shared, own}));
  }
  const auto g0 = s.add_flow(std::vector<std::int32_t>{shared});
  const auto g1 = s.add_flow(std::vector<std::int32_t>{shared});
  s.solve();
  EXPECT_EQ(s.rate(f[4]), 5.0);
  EXPECT_EQ(s.rate(g0), 90.0);
  // Removing g_0 (90): the floor is 90 and only g_1 is above it. S starts
  // there from its ledger, R = 1,000 - (1 + ... + 40) = 180 for one flow, with
  // no member sorted; a replay would have sorted the forty f_i.
  const auto sorted = s.replayed_total();
  s.remove_flow(g0);
  s.solve();
  EXPECT_EQ(s.rate(g1), 180.0);
  EXPECT_EQ(s.replayed_total(), sorted);
  // T (capacity 1,000) with 32 flows t_k on their own links of capacity k
  // (k = 1..32: T carries 528) is not busy; a 33rd flow u on T alone makes it
  // busy, with a ledger exact nowhere, so this solve replays T's 32 members
  // below the floor (u can take 1,000 - 528 = 472, the floor), and writes
  // the ledger; the next change, a second flow v on T (floor 472 / 2 = 236,
  // where T now fills: u and v get 236 each), sorts nothing.
  const auto t_link = s.add_link(1000.0);
  for (int k = 1; k <= 32; ++k) {
    const auto own = s.add_link(static_cast<double>(k));
    s.add_flow(std::vector<std::int32_t>{t_link, own});
  }
  s.solve();
  const auto u = s.add_flow(std::vector<std::int32_t>{t_link});
  const auto before_u = s.replayed_total();
  s.solve();
  EXPECT_EQ(s.rate(u), 472.0);
  EXPECT_EQ(s.replayed_total(), before_u + 32);
  const auto v = s.add_flow(std::vector<std::int32_t>{t_link});
  s.solve();
  EXPECT_EQ(s.rate(u), 236.0);
  EXPECT_EQ(s.rate(v), 236.0);
  EXPECT_EQ(s.replayed_total(), before_u + 32);
  MaxMinSolver scratch = s;
  scratch.solve_all();
  for (const auto id : {f[0], f[39], g1, u, v}) EXPECT_EQ(s.rate(id), scratch.rate(id));
}

TEST(MaxMin, ARemovalReSolvesOnlyTheFlowsItsLinksFroze) {
  // One component: ten flows a_i on L0 (capacity 10, so 1 each) that also
  // cross S (capacity 10,000), and forty flows b_j on S and their own B_j
  // (capacity 100, so 100 each; S carries 4,010 of 10,000). Removing b_0
  // (rate 100) changes no round below 100, so the a_i keep their rate; the
  // flows at or above 100 that reach b_0's links are the other 39 b_j, more
  // than kSmallRegion (32), so the tight region is tried: no flow was frozen
  // by a link of b_0's (S has room to spare, B_0 held b_0 alone), so the b_j
  // stay at their own B_j's 100 and nothing is solved.
  MaxMinSolver s;
  const auto l0 = s.add_link(10.0);
  const auto shared = s.add_link(10000.0);
  std::vector<std::int32_t> a, b;
  for (int i = 0; i < 10; ++i) a.push_back(s.add_flow(std::vector<std::int32_t>{l0, shared}));
  for (int j = 0; j < 40; ++j) {
    const auto own = s.add_link(100.0);
    b.push_back(s.add_flow(std::vector<std::int32_t>{shared, own}));
  }
  s.solve();
  EXPECT_EQ(s.solved_flows().size(), 50u);
  EXPECT_EQ(s.rate(a[0]), 1.0);
  EXPECT_EQ(s.rate(b[0]), 100.0);
  s.remove_flow(b[0]);
  s.solve();
  EXPECT_TRUE(s.solved_flows().empty());
  for (std::size_t j = 1; j < b.size(); ++j) EXPECT_EQ(s.rate(b[j]), 100.0);
  EXPECT_EQ(s.rate(a[3]), 1.0);
  // A new flow c on S alone. Replaying S's rounds with c counted: 10,000 / 50
  // > 1 at the a_i's level, then (10,000 - 10) / 40 > 100 at the b_j's, then
  // 6,090 / 1 for c: S cannot fill below 6,090, so nothing below moves and c
  // alone is solved, at what S has left.
  const auto c = s.add_flow(std::vector<std::int32_t>{shared});
  s.solve();
  EXPECT_EQ(s.solved_flows().size(), 1u);
  EXPECT_EQ(s.rate(c), 10000.0 - 10.0 - 39 * 100.0);  // what S has left
  MaxMinSolver scratch = s;
  scratch.solve_all();
  for (const auto f : {a[0], b[1], c}) EXPECT_EQ(s.rate(f), scratch.rate(f));
  // Removing c (6,090): no flow at or above its rate is left to move.
  s.remove_flow(c);
  s.solve();
  EXPECT_TRUE(s.solved_flows().empty());
}

TEST(MaxMin, TheTightRegionGrowsWhenAFlowFrozenElsewhereMustSlowDown) {
  // g crosses A (capacity 17.9, its bottleneck: g = 17.9) and M (capacity
  // 737.9); forty flows h_j cross M alone ((737.9 - 17.9) / 40 = 18 each). A
  // new flow n on M: replayed with n counted, M fills at 737.9 / 42 = 17.57,
  // below g's 17.9: the floor. The 41 flows at or above it are more than
  // kSmallRegion, so the tight region is tried: n and the h_j (M froze them),
  // with g held at 17.9 on M's boundary. M fills at 17.57 with g still on
  // it, so g joins the region and the fill runs again: all 42 at 737.9 / 42,
  // the max-min allocation (M full; A carries 17.57 < 17.9).
  MaxMinSolver s(false);  // g's links would make a line: the general solve is the one under test
  const auto link_a = s.add_link(17.9);
  const auto link_m = s.add_link(737.9);
  const auto g = s.add_flow(std::vector<std::int32_t>{link_a, link_m});
  std::vector<std::int32_t> h;
  for (int j = 0; j < 40; ++j) h.push_back(s.add_flow(std::vector<std::int32_t>{link_m}));
  s.solve();
  EXPECT_EQ(s.rate(g), 17.9);
  EXPECT_NEAR(s.rate(h[0]), 18.0, 1e-12);
  const auto n = s.add_flow(std::vector<std::int32_t>{link_m});
  s.solve();
  std::vector<std::int32_t> solved(s.solved_flows().begin(), s.solved_flows().end());
  EXPECT_EQ(solved.size(), 42u);
  EXPECT_NE(std::find(solved.begin(), solved.end(), g), solved.end());
  for (const auto f : {g, h[0], h[39], n}) EXPECT_EQ(s.rate(f), 737.9 / 42);
}

// Several changes between solves (the flow network completes every flow due
// at an instant, then solves once): the region solve equals a from-scratch
// solve bit for bit on random networks of up to 60 links.
TEST(MaxMin, BatchedChangesEqualFromScratchOnRandomNetworks) {
  Rng rng(11);
  for (int trial = 0; trial < 30; ++trial) {
    const int links = 2 + static_cast<int>(rng.below(60));
    MaxMinSolver s;
    for (int l = 0; l < links; ++l) s.add_link(1 + std::floor(rng.uniform() * 50) * (rng.below(3) == 0 ? 7 : 1));
    std::vector<std::int32_t> ids;
    for (int step = 0; step < 150; ++step) {
      const int changes = 1 + static_cast<int>(rng.below(4));
      for (int c = 0; c < changes; ++c) {
        if (ids.empty() || rng.below(2) == 0) {
          std::vector<std::int32_t> route;
          const int hops = 1 + static_cast<int>(rng.below(std::min(links, 6)));
          while (static_cast<int>(route.size()) < hops) {
            const auto l = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(links)));
            if (std::find(route.begin(), route.end(), l) == route.end()) route.push_back(l);
          }
          ids.push_back(s.add_flow(route, rng.below(6) == 0 ? 0.5 + rng.uniform() * 30 : MaxMinSolver::kUncapped));
        } else {
          remove_one(s, ids, rng);
        }
      }
      s.solve();
      ASSERT_EQ(first_difference_from_scratch(s, ids), -1) << "trial " << trial << " step " << step;
    }
  }
}

// Random networks where flows start and end in random order: after every
// change the incremental rates equal (a) bit for bit a from-scratch solve of
// a copy, and (b) to 1e-9 the independent reference, and are max-min fair.
TEST(MaxMin, IncrementalEqualsFromScratchOnRandomNetworks) {
  Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int links = 3 + static_cast<int>(rng.below(30));
    std::vector<double> capacity;
    MaxMinSolver s;
    for (int l = 0; l < links; ++l) {
      capacity.push_back(1 + std::floor(rng.uniform() * 100) * (rng.below(4) == 0 ? 10 : 1));
      s.add_link(capacity.back());
    }
    std::vector<std::int32_t> ids;
    std::vector<TestFlow> flows;
    for (int step = 0; step < 60; ++step) {
      const bool add = flows.empty() || rng.below(3) != 0;
      if (add) {
        TestFlow f;
        const int hops = 1 + static_cast<int>(rng.below(std::min(links, 5)));
        while (static_cast<int>(f.links.size()) < hops) {
          const auto l = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(links)));
          if (std::find(f.links.begin(), f.links.end(), l) == f.links.end()) f.links.push_back(l);
        }
        if (rng.below(5) == 0) f.cap = 0.5 + rng.uniform() * 20;
        ids.push_back(s.add_flow(f.links, f.cap));
        flows.push_back(f);
      } else {
        const auto k = static_cast<std::size_t>(rng.below(flows.size()));
        s.remove_flow(ids[k]);
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
        flows.erase(flows.begin() + static_cast<std::ptrdiff_t>(k));
      }
      s.solve();
      MaxMinSolver scratch = s;
      scratch.solve_all();
      const auto reference = reference_rates(capacity, flows);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        ASSERT_EQ(s.rate(ids[i]), scratch.rate(ids[i]))
            << "trial " << trial << " step " << step << " flow " << i;
        ASSERT_NEAR(s.rate(ids[i]), reference[i], 1e-9 * reference[i])
            << "trial " << trial << " step " << step;
      }
      expect_max_min_fair(s, capacity, ids, flows);
    }
  }
}

TEST(MaxMin, IncrementalEqualsFromScratchOnDenseAndSparseRandomNetworks) {
  std::uint64_t lazy = 0;
  std::uint64_t woken = 0;
  for (int seed = 0; seed < 40; ++seed) {
    Rng rng(static_cast<std::uint64_t>(1000 + seed));
    const int links = 5 + static_cast<int>(rng.below(150));
    const int flows = 5 + static_cast<int>(rng.below(300));
    const bool integer = rng.below(2) == 0;
    const auto cap_odds = 2 + rng.below(8);
    const int max_hops = 1 + static_cast<int>(rng.below(8));
    MaxMinSolver s;
    for (int l = 0; l < links; ++l) {
      s.add_link(integer ? 1 + std::floor(rng.uniform() * 20) : 1e9 * (1 + rng.uniform() * 100));
    }
    const auto route = [&] {
      return distinct_links(rng, links, 1 + rng.below(static_cast<std::uint64_t>(std::min(links, max_hops))));
    };
    const auto cap = [&] {
      if (rng.below(cap_odds) != 0) return MaxMinSolver::kUncapped;
      return integer ? 0.5 * static_cast<double>(1 + rng.below(20)) : 1e9 * (0.5 + rng.uniform() * 30);
    };
    std::vector<std::int32_t> ids;
    for (int i = 0; i < flows; ++i) ids.push_back(s.add_flow(route(), cap()));
    s.solve();
    for (int step = 0; step < 100; ++step) {
      const auto changes = 1 + (rng.below(3) == 0 ? rng.below(5) : 0);
      for (std::uint64_t c = 0; c < changes; ++c) {
        if (ids.empty() || rng.below(2) == 0) {
          ids.push_back(s.add_flow(route(), cap()));
        } else {
          remove_one(s, ids, rng);
        }
      }
      s.solve();
      ASSERT_EQ(first_difference_from_scratch(s, ids), -1) << "seed " << seed << " step " << step;
    }
    // No woken lazy link was found below its bound (max_min_lazy.hpp): had
    // one been, its fill would have run again without lazy links.
    EXPECT_EQ(s.lazy_failures(), 0u) << "seed " << seed;
    lazy += s.lazy_total();
    woken += s.woken_total();
  }
  // The dense networks keep links lazy and wake some (a churning component).
  EXPECT_GT(lazy, 0u);
  EXPECT_GT(woken, 0u);
}

}  // namespace
}  // namespace orrery::fluid
