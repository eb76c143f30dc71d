// The max-min solver's lazy links (sim/fluid/max_min_lazy.hpp): a tight region's link with room to spare is neither scanned nor
// replayed until the fill's level reaches its bound, and is woken, brought up
// to date from its members' rates, when it does. The rates are checked
// against progressive filling done by hand and, bit for bit, against a
// from-scratch solve of a copy.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/fluid/max_min.hpp"
#include "tests/fluid/max_min_reference.hpp"

namespace orrery::fluid {
namespace {

using test::distinct_links;
using test::first_difference_from_scratch;
using test::remove_one;

TEST(MaxMinLazy, LinksWithRoomStayLazyAndABindingOneIsWokenInItsTurn) {
  // Links B1 and B2 (capacity 20 each) carry h_0..h_18 and g_0..g_18; each
  // of those also crosses a link of its own: P_0 (1.01) for h_0, the other
  // P_j and Q_j 1,000. Flows c and d cross B1 and B2. No link holds more than
  // kLedgerMembers (32) flows, so none keeps a ledger, and any may be lazy.
  // First solve: B1 and B2 fill at 20 / 21, every flow at that rate. (It is
  // the first tight gather: it starts the loads, with no link lazy.)
  MaxMinSolver s(false);  // the general solve
  const auto b1 = s.add_link(20.0);
  const auto b2 = s.add_link(20.0);
  std::vector<std::int32_t> h, g;
  for (int j = 0; j < 19; ++j) {
    h.push_back(s.add_flow(std::vector<std::int32_t>{b1, s.add_link(j == 0 ? 1.01 : 1000.0)}));
    g.push_back(s.add_flow(std::vector<std::int32_t>{b2, s.add_link(1000.0)}));
  }
  const auto c = s.add_flow(std::vector<std::int32_t>{b1, b2});
  const auto d = s.add_flow(std::vector<std::int32_t>{b1, b2});
  std::vector<std::int32_t> ids = h;
  ids.insert(ids.end(), g.begin(), g.end());
  ids.push_back(c);
  s.solve();
  for (const auto f : {h[0], g[5], c, d}) EXPECT_EQ(s.rate(f), 20.0 / 21);
  EXPECT_EQ(s.lazy_total(), 0u);

  // Removing d (rate 20 / 21, the floor): the 39 flows B1 and B2 froze are
  // the tight region (more than kSmallRegion). All 40 region links are lazy:
  // B1 and B2 cannot fill below 20 / 20 less the margin (their region flows
  // hold all their load), P_0 below 1.01, the others below about 1,000. B1's
  // and B2's bounds come up first; woken, each fills at 20 / 20, freezing
  // every region flow below P_0's 1.01. The 38 other links are never woken.
  s.remove_flow(d);
  s.solve();
  EXPECT_EQ(s.lazy_total(), 40u);
  EXPECT_EQ(s.woken_total(), 2u);
  EXPECT_EQ(s.lazy_failures(), 0u);  // each woken link's state was where its bound said
  for (const auto f : {h[0], h[18], g[0], c}) EXPECT_EQ(s.rate(f), 20.0 / 20);
  EXPECT_EQ(first_difference_from_scratch(s, ids), -1);

  // Removing c (rate 1, the floor): the region is the h_j and g_j, its 40
  // links lazy again. P_0's bound (1.01 less the margin) comes up first:
  // woken, it fills at 1.01, freezing h_0, and B1's bound rises to
  // (20 − 1.01) / 18. B2 comes up next and fills at 20 / 19. Last B1: woken,
  // it replays h_0 leaving at 1.01 (R = 20 − 1.01) and fills at 18.99 / 18.
  s.remove_flow(c);
  ids.pop_back();
  s.solve();
  EXPECT_EQ(s.lazy_total(), 40u + 40u);
  EXPECT_EQ(s.woken_total(), 2u + 3u);
  EXPECT_EQ(s.lazy_failures(), 0u);
  EXPECT_EQ(s.rate(h[0]), 1.01);
  for (const auto f : {g[0], g[18]}) EXPECT_EQ(s.rate(f), 20.0 / 19);
  for (const auto f : {h[1], h[18]}) EXPECT_EQ(s.rate(f), (20.0 - 1.01) / 18);
  EXPECT_EQ(first_difference_from_scratch(s, ids), -1);
}

TEST(MaxMinLazy, BoundsOverManyOrdersOfMagnitudeWakeAsAFullFillWouldFill) {
  // The lazy links wait by bound in a radix heap over the bounds' bits
  // (sim/fluid/max_min_heap.cpp): a bound's bucket is the highest bit in
  // which it differs from the last least bound found, so bounds far apart
  // differ in their exponent bits and bounds close together only in their
  // mantissa's. Link capacities drawn log-uniform over 15 orders of magnitude
  // (1e-3 to 1e12), on dense networks that churn (one giant component, as in
  // BM_FlowChurn), put bounds in buckets of both kinds at once. After every
  // change the rates must equal, bit for bit, a from-scratch solve of a copy
  // (progressive filling without regions or lazy links), and no woken link
  // may be found below its bound.
  std::uint64_t lazy = 0;
  std::uint64_t woken = 0;
  for (int seed = 0; seed < 12; ++seed) {
    Rng rng(static_cast<std::uint64_t>(5000 + seed));
    const int links = 20 + static_cast<int>(rng.below(40));
    const int flows = 6 * links;
    MaxMinSolver s(false);
    for (int l = 0; l < links; ++l) s.add_link(std::pow(10.0, -3.0 + 15.0 * rng.uniform()));
    const auto route = [&] { return distinct_links(rng, links, 2 + rng.below(5)); };
    std::vector<std::int32_t> ids;
    for (int i = 0; i < flows; ++i) ids.push_back(s.add_flow(route()));
    s.solve();
    for (int step = 0; step < 150; ++step) {
      remove_one(s, ids, rng);  // a completion, then a new transfer: the churn
      s.solve();
      ASSERT_EQ(first_difference_from_scratch(s, ids), -1) << "seed " << seed << " step " << step;
      ids.push_back(s.add_flow(route()));
      s.solve();
      ASSERT_EQ(first_difference_from_scratch(s, ids), -1) << "seed " << seed << " step " << step;
    }
    EXPECT_EQ(s.lazy_failures(), 0u) << "seed " << seed;
    lazy += s.lazy_total();
    woken += s.woken_total();
  }
  // The churn kept links lazy and woke some: the radix heap was exercised.
  EXPECT_GT(lazy, 1000u);
  EXPECT_GT(woken, 100u);
}

}  // namespace
}  // namespace orrery::fluid
