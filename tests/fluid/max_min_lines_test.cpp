// The max-min solver's line mode (max_min_lines.hpp) on chains like
// topologies/chain's (endpoint i's link up to i+1 is 2i, the one back 2i+1;
// a route is the run of links between its endpoints, in the order it
// crosses them): bit for bit a from-scratch solve of a copy (solve_all, the
// general fill) after every batch of changes, within 1e-9 of the plain
// progressive filling in max_min_reference.hpp, and max-min fair; and the
// solver's leaving line mode when a flow breaks the lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/fluid/max_min.hpp"
#include "tests/fluid/max_min_reference.hpp"

namespace orrery::fluid {
namespace {

// The route from endpoint a to b (a != b) on a chain.
std::vector<std::int32_t> chain_route(int a, int b) {
  std::vector<std::int32_t> out;
  if (a < b) {
    for (int v = a; v < b; ++v) out.push_back(2 * v);
  } else {
    for (int v = a; v > b; --v) out.push_back(2 * (v - 1) + 1);
  }
  return out;
}

struct ChainCase {
  std::vector<double> capacity;
  std::vector<std::int32_t> ids;
  std::vector<test::TestFlow> flows;
};

// Every flow whose rate the solve moved is among solved_flows() (a line fill
// lists only those, and FlowNetwork requeues only those): `before` is each
// flow's rate before the solve.
void check_listed(const MaxMinSolver& s, const ChainCase& c, const std::vector<double>& before, int seed, int step) {
  const auto listed = s.solved_flows();
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    if (s.rate(c.ids[i]) == before[i]) continue;
    ASSERT_NE(std::find(listed.begin(), listed.end(), c.ids[i]), listed.end())
        << "seed " << seed << " step " << step << ": flow " << c.ids[i] << " moved but is not listed";
  }
}

std::vector<double> rates_of(const MaxMinSolver& s, const ChainCase& c) {
  std::vector<double> out;
  for (const std::int32_t id : c.ids) out.push_back(s.rate(id));
  return out;
}

void check(const MaxMinSolver& s, const ChainCase& c, int seed, int step) {
  ASSERT_EQ(test::first_difference_from_scratch(s, c.ids), -1) << "seed " << seed << " step " << step;
  const auto reference = test::reference_rates(c.capacity, c.flows);
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    ASSERT_NEAR(s.rate(c.ids[i]), reference[i], 1e-9 * reference[i]) << "seed " << seed << " step " << step;
  }
  test::expect_max_min_fair(s, c.capacity, c.ids, c.flows);
}

TEST(MaxMinLines, LineSolvesEqualFromScratchOnRandomChains) {
  std::uint64_t line_fills = 0, general = 0;  // components filled over positions; solves of the general fill
  for (int seed = 0; seed < 40; ++seed) {
    Rng rng(static_cast<std::uint64_t>(500 + seed));
    const int endpoints = 2 + static_cast<int>(rng.below(40));
    const bool integer = rng.below(2) == 0;
    const auto cap_odds = 2 + rng.below(8);
    ChainCase c;
    MaxMinSolver s;
    for (int l = 0; l < 2 * (endpoints - 1); ++l) {
      c.capacity.push_back(integer ? 1 + std::floor(rng.uniform() * 20) : 1e9 * (1 + rng.uniform() * 100));
      s.add_link(c.capacity.back());
    }
    const auto add = [&] {
      const auto a = static_cast<int>(rng.below(static_cast<std::uint64_t>(endpoints)));
      const auto b = static_cast<int>((static_cast<std::uint64_t>(a) + 1 +
                                       rng.below(static_cast<std::uint64_t>(endpoints - 1))) %
                                      static_cast<std::uint64_t>(endpoints));
      test::TestFlow f{chain_route(a, b)};
      if (rng.below(cap_odds) == 0) {
        f.cap = integer ? 0.5 * static_cast<double>(1 + rng.below(20)) : 1e9 * (0.5 + rng.uniform() * 30);
      }
      c.ids.push_back(s.add_flow(f.links, f.cap));
      c.flows.push_back(f);
    };
    const int start = static_cast<int>(rng.below(200));
    for (int i = 0; i < start; ++i) add();
    s.solve();
    check(s, c, seed, -1);
    for (int step = 0; step < 80; ++step) {
      const auto changes = 1 + (rng.below(3) == 0 ? rng.below(6) : 0);
      for (std::uint64_t k = 0; k < changes; ++k) {
        if (c.ids.empty() || rng.below(2) == 0) {
          add();
        } else {
          const auto i = static_cast<std::size_t>(rng.below(c.ids.size()));
          s.remove_flow(c.ids[i]);
          c.ids.erase(c.ids.begin() + static_cast<std::ptrdiff_t>(i));
          c.flows.erase(c.flows.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
      const std::vector<double> before = rates_of(s, c);
      s.solve();
      check_listed(s, c, before, seed, step);
      check(s, c, seed, step);
    }
    EXPECT_TRUE(s.on_lines()) << "seed " << seed;  // chain routes never break the lines
    line_fills += s.line_fills();
    general += s.recomputations() - std::min(s.recomputations(), s.line_fills());
  }
  // Both kinds of solve ran, and followed one another on the same chains.
  EXPECT_GT(line_fills, 100u);
  EXPECT_GT(general, 100u);
}

// The parking lot along a chain by hand: a long flow over links 0, 2, 4 (up
// from endpoint 0 to 3, capacity 10 each) and one short flow on each: each
// link is shared by two, so every flow gets 5. A second long flow puts three
// flows on every link: every flow gets 10 / 3. Removing the short flow on
// link 2 changes nothing (links 0 and 4 still hold three flows each, the long
// ones among them); link 2 keeps 10 − 2 · 10/3 unused. The line fill computes
// the whole component each time, and lists (solved_flows()) only the flows
// whose rate or bottleneck moved: all five when the second long flow comes,
// none when the short one goes.
TEST(MaxMinLines, ParkingLotAlongAChainByHand) {
  MaxMinSolver s;
  for (int l = 0; l < 6; ++l) s.add_link(10.0);
  const auto long0 = s.add_flow(chain_route(0, 3));
  std::vector<std::int32_t> shorts;
  for (int v = 0; v < 3; ++v) shorts.push_back(s.add_flow(chain_route(v, v + 1)));
  s.solve();
  EXPECT_TRUE(s.on_lines());
  EXPECT_EQ(s.rate(long0), 5.0);
  EXPECT_EQ(s.rate(shorts[1]), 5.0);
  const auto long1 = s.add_flow(chain_route(0, 3));
  s.solve();
  EXPECT_EQ(s.rate(long1), 10.0 / 3);
  EXPECT_EQ(s.rate(shorts[0]), 10.0 / 3);
  EXPECT_EQ(s.solved_flows().size(), 5u);  // every rate moved, 5 -> 10/3, and long1 is new
  const std::uint64_t computed = s.solved_total();
  s.remove_flow(shorts[1]);
  s.solve();
  EXPECT_EQ(s.rate(long0), 10.0 / 3);
  EXPECT_EQ(s.rate(long1), 10.0 / 3);
  EXPECT_EQ(s.rate(shorts[2]), 10.0 / 3);
  EXPECT_EQ(s.solved_total() - computed, 4u);  // the component: both long flows and the two shorts left
  EXPECT_TRUE(s.solved_flows().empty());       // each kept its rate and its bottleneck (link 0, 0, 0, 4)
}

// A flow whose links contradict the lines (link 0 followed by 4, where 2
// follows it) ends line mode; a cycle does too, and a link listed twice. The rates stay those of a
// from-scratch solve through the change and the general solves after it.
TEST(MaxMinLines, AFlowOffTheLinesEndsLineModeAndRatesStayExact) {
  for (int seed = 0; seed < 10; ++seed) {
    Rng rng(static_cast<std::uint64_t>(900 + seed));
    ChainCase c;
    MaxMinSolver s;
    constexpr int kEndpoints = 12;
    for (int l = 0; l < 2 * (kEndpoints - 1); ++l) {
      c.capacity.push_back(1 + std::floor(rng.uniform() * 20));
      s.add_link(c.capacity.back());
    }
    const auto add = [&](std::vector<std::int32_t> links) {
      c.ids.push_back(s.add_flow(links));
      c.flows.push_back({std::move(links)});
    };
    for (int i = 0; i < 30; ++i) {
      const auto a = static_cast<int>(rng.below(kEndpoints));
      const auto b = static_cast<int>((static_cast<std::uint64_t>(a) + 1 + rng.below(kEndpoints - 1)) % kEndpoints);
      add(chain_route(a, b));
      if (i % 7 == 6) {
        s.solve();
        check(s, c, seed, i);
      }
    }
    s.solve();
    ASSERT_TRUE(s.on_lines());
    if (seed % 3 == 0) {
      add({0, 4});  // 2 follows 0 on the up line
    } else if (seed % 3 == 1) {
      add({0, 2, 4});
      add({4, 0});  // closes the up line into a cycle
    } else {
      add({6, 6});  // a link listed twice (it counts twice): a cycle of one
    }
    EXPECT_FALSE(s.on_lines());
    s.solve();
    check(s, c, seed, 100);
    for (int step = 0; step < 40; ++step) {
      if (rng.below(2) == 0 && !c.ids.empty()) {
        const auto i = static_cast<std::size_t>(rng.below(c.ids.size()));
        s.remove_flow(c.ids[i]);
        c.ids.erase(c.ids.begin() + static_cast<std::ptrdiff_t>(i));
        c.flows.erase(c.flows.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        const auto a = static_cast<int>(rng.below(kEndpoints));
        const auto b = static_cast<int>((static_cast<std::uint64_t>(a) + 1 + rng.below(kEndpoints - 1)) % kEndpoints);
        add(chain_route(a, b));
      }
      s.solve();
      check(s, c, seed, 101 + step);
    }
  }
}

}  // namespace
}  // namespace orrery::fluid
