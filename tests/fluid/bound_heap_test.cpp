// The radix heap of rising bounds (sim/fluid/bound_heap.hpp) against an
// independent computation: a plain list of (id, bound) searched in full for
// the least (bound, id) at or below each level.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "sim/core/rng.hpp"
#include "sim/fluid/bound_heap.hpp"

namespace orrery::fluid {
namespace {

// The least (bound, id) of `held` at or below `level`, or -1: the answer
// due() must give, found by looking at every entry.
std::int32_t least_due(const std::map<std::int32_t, double>& held, double level) {
  std::int32_t best = -1;
  for (const auto& [id, bound] : held) {
    if (bound <= level && (best < 0 || bound < held.at(best))) best = id;  // ids ascend: ties keep the lower
  }
  return best;
}

TEST(BoundHeap, DueIsTheLeastBoundAtOrBelowTheLevelInBoundThenIdOrder) {
  // Ids 0..3; level 2.5 finds 1 (bound 2), then 3 (2, a tie broken by id)
  // once 1 is out; level 1.5 would have found none.
  BoundHeap h;
  for (int id = 0; id < 4; ++id) h.add();
  h.expect_least(2.0);
  h.insert(0, 7.0);
  h.insert(3, 2.0);
  h.insert(1, 2.0);
  h.insert(2, 1e9);
  EXPECT_EQ(h.due(1.5), -1);
  EXPECT_EQ(h.due(2.5), 1);
  h.remove(1);
  EXPECT_EQ(h.due(2.5), 3);
  h.move(3, 8.0);  // its bound rose past the level
  EXPECT_EQ(h.due(2.5), -1);
  EXPECT_EQ(h.due(7.0), 0);  // at the level counts as due
  EXPECT_TRUE(h.contains(2));
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_FALSE(h.contains(2));
  EXPECT_EQ(h.due(1e300), -1);
}

TEST(BoundHeap, MatchesAFullSearchUnderRisingBoundsAndLevels) {
  // As a fill uses it: bounds spread over 30 orders of magnitude (far apart
  // in their exponent bits, close ones only in their mantissa's), a few at or
  // below zero or lowered a little (rounding), most moves upward, ids removed
  // as they are woken, levels that only rise.
  for (int seed = 0; seed < 20; ++seed) {
    Rng rng(static_cast<std::uint64_t>(77 + seed));
    const auto draw = [&] {
      if (rng.below(40) == 0) return rng.below(2) == 0 ? 0.0 : -1.0;
      return std::pow(10.0, -10.0 + 30.0 * rng.uniform());
    };
    BoundHeap h;
    std::map<std::int32_t, double> held;
    double least = INFINITY;
    std::vector<double> first(200);
    for (double& b : first) least = std::min(least, b = draw());
    h.expect_least(least);
    for (std::int32_t id = 0; id < 200; ++id) {
      h.add();
      h.insert(id, first[static_cast<std::size_t>(id)]);
      held[id] = first[static_cast<std::size_t>(id)];
    }
    double level = -2.0;
    for (int step = 0; step < 3000 && !held.empty(); ++step) {
      auto it = held.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng.below(held.size())));
      const std::int32_t id = it->first;
      const auto what = rng.below(10);
      if (what < 6) {  // its bound rises
        it->second = std::max(it->second, 0.0) * (1.0 + rng.uniform()) + 1e-12;
        h.move(id, it->second);
      } else if (what == 6) {  // rounding lowers it a hair
        it->second = std::nextafter(it->second, -INFINITY);
        h.move(id, it->second);
      } else if (what == 7) {
        h.remove(id);
        held.erase(it);
      } else {  // a round: the level rises; every due id, in order, is woken
        level = std::max(level, std::pow(10.0, -10.0 + 30.0 * (step / 3000.0 + 0.1 * rng.uniform())));
        for (;;) {
          const std::int32_t expected = least_due(held, level);
          ASSERT_EQ(h.due(level), expected) << "seed " << seed << " step " << step;
          if (expected < 0) break;
          h.remove(expected);
          held.erase(expected);
        }
      }
      ASSERT_EQ(h.empty(), held.empty());
    }
  }
}

}  // namespace
}  // namespace orrery::fluid
