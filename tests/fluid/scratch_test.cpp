// The solver's scratch list, its small sort and pick() (sim/fluid/scratch.hpp)
// against independent computations: std::sort of the same values, and the
// list's contents as a std::vector holds them.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/fluid/incidence_list.hpp"
#include "sim/fluid/scratch.hpp"

namespace orrery::fluid {
namespace {

TEST(ScratchSortFew, SortsEveryLengthAsStdSortDoesAndLeavesThePrefixAlone) {
  // Lengths 0..20 cover the three networks (4, 8 and 16 inputs, padded) and
  // the std::sort fallback; values drawn from a few levels, so ties are common,
  // as equal rates on a link are. A prefix before `first` must not move.
  Rng rng(20261207);
  for (std::size_t n = 0; n <= 20; ++n) {
    for (int trial = 0; trial < 200; ++trial) {
      Scratch<double> v;
      std::vector<double> expected;
      v.push_back(-1.0);  // the prefix
      v.push_back(7.5);
      for (std::size_t i = 0; i < n; ++i) {
        const double x = 0.25 * static_cast<double>(rng.below(6)) + (trial % 2 == 0 ? 0.0 : rng.uniform());
        v.push_back(x);
        expected.push_back(x);
      }
      sort_few(v, 2);
      std::sort(expected.begin(), expected.end());
      ASSERT_EQ(v.size(), n + 2);
      EXPECT_EQ(v[0], -1.0);
      EXPECT_EQ(v[1], 7.5);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(v[2 + i], expected[i]) << "n " << n << " at " << i;
    }
  }
}

TEST(ScratchSortFew, SixteenInputNetworkSortsEveryZeroOneInput) {
  // The 0-1 principle (Knuth, TAOCP vol. 3, §5.3.4, Theorem Z): a network of
  // exchanges that sorts all 2^16 inputs of zeros and ones sorts every input.
  for (std::uint32_t bits = 0; bits < (1u << 16); ++bits) {
    double a[16];
    int ones = 0;
    for (int i = 0; i < 16; ++i) {
      a[i] = static_cast<double>((bits >> i) & 1u);
      ones += static_cast<int>((bits >> i) & 1u);
    }
    sort16(a);
    for (int i = 0; i < 16; ++i)
      ASSERT_EQ(a[i], i < 16 - ones ? 0.0 : 1.0) << "input " << bits << " at " << i;
  }
}

TEST(ScratchSortFew, KeepsInfinityAndTheLargestFinite) {
  // The padding is +inf: a list that holds +inf or the largest double
  // itself still comes out whole and in order.
  const double inf = std::numeric_limits<double>::infinity();
  const double big = std::numeric_limits<double>::max();
  Scratch<double> v;
  for (double x : {inf, 3.0, big, 1.0, inf}) v.push_back(x);
  sort_few(v, 0);
  const std::vector<double> expected{1.0, 3.0, big, inf, inf};
  ASSERT_EQ(v.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(v[i], expected[i]);
}

TEST(AppendLinks, AppendsAFlowsLinksAndValuesAsALoopWouldWhateverTheirCount) {
  // append_links() against the plain loop it replaces: routes of 0 to 12
  // links (the fixed block covers up to IncidenceList::kBlock = 8; longer
  // ones go link by link), kept or not, after entries already listed, which
  // must stay as they were.
  for (std::size_t n = 0; n <= 12; ++n) {  // 0: a list that never held any, whose block is not there
    for (const bool keep : {true, false}) {
      IncidenceList on;
      for (std::size_t i = 0; i < n; ++i) {
        on.push_back(Incidence{static_cast<std::int32_t>(100 + i), static_cast<std::int32_t>(7 * i)});
      }
      Scratch<Incidence> links;
      Scratch<double> values;
      links.push_back(Incidence{-1, -2});
      values.push_back(-0.5);
      append_links(links, values, on, 2.5, keep);
      std::vector<Incidence> want{{-1, -2}};
      std::vector<double> want_values{-0.5};
      for (const Incidence& inc : on) {
        if (!keep) break;
        want.push_back(inc);
        want_values.push_back(2.5);
      }
      ASSERT_EQ(links.size(), want.size()) << "n " << n << " keep " << keep;
      ASSERT_EQ(values.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(links[i].link, want[i].link) << "n " << n << " at " << i;
        EXPECT_EQ(links[i].slot, want[i].slot);
        EXPECT_EQ(values[i], want_values[i]);
      }
      Scratch<Incidence> only;  // the overload without values
      append_links(only, on);
      append_links(only, on);
      ASSERT_EQ(only.size(), 2 * n);
      for (std::size_t i = 0; i < 2 * n; ++i) EXPECT_EQ(only[i].link, on[i % n].link);
    }
  }
}

TEST(ScratchPick, SelectsEitherOperandBitForBit) {
  // pick() against the plain select it replaces, on values whose bits a mask
  // could mangle: signed zeros, infinities, a negative id, the extremes.
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> doubles{0.0, -0.0, 1.5, -2.25, inf, -inf, std::numeric_limits<double>::max()};
  for (const double a : doubles) {
    for (const double b : doubles) {
      for (const bool take : {true, false}) {
        const double want = take ? a : b;
        EXPECT_EQ(std::bit_cast<std::uint64_t>(pick(take, a, b)), std::bit_cast<std::uint64_t>(want));
      }
    }
  }
  const std::vector<std::int32_t> ints{0, -1, 7, std::numeric_limits<std::int32_t>::min(),
                                       std::numeric_limits<std::int32_t>::max()};
  for (const std::int32_t a : ints) {
    for (const std::int32_t b : ints) {
      EXPECT_EQ(pick(true, a, b), a);
      EXPECT_EQ(pick(false, a, b), b);
    }
  }
}

TEST(Scratch, ResizeKeepsWhatFitsAndCopiesAreDeep) {
  // Growth past the capacity keeps the elements (copied to the new block);
  // a shrink and regrowth keeps the first ones; a copy owns its elements.
  Scratch<int> v;
  for (int i = 0; i < 100; ++i) v.push_back(i);
  v.resize(10);
  v.resize(1000);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(v[static_cast<std::size_t>(i)], i);
  v.resize(3);
  Scratch<int> copy = v;
  copy[0] = 42;
  EXPECT_EQ(v[0], 0);
  EXPECT_EQ(copy.size(), 3u);
  Scratch<int> moved = std::move(copy);
  EXPECT_EQ(moved[0], 42);
  EXPECT_EQ(moved.back(), 2);
}

}  // namespace
}  // namespace orrery::fluid
