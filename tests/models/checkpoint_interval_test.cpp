// Optimum checkpoint intervals against Young's formula and Daly's worked
// cases (validation/README.md: δ = 5 min, restart 10 min; M = 24 h → 117 min,
// M = 6 h → 57 min, M = 15 min → 9.1 min, Daly 2006).
#include <gtest/gtest.h>

#include <cmath>

#include "models/failure/checkpoint_interval.hpp"
#include "sim/core/error.hpp"

namespace orrery::models {
namespace {

double minutes(Duration d) { return d.seconds() / 60; }

TEST(CheckpointInterval, YoungIsTheSquareRootOfTwoDeltaM) {
  // √(2 · 5 min · 1440 min) = √14400 = 120 min exactly.
  EXPECT_NEAR(minutes(young_interval(Duration::s(300), Duration::s(86400))), 120.0, 1e-9);
  // √(2 · 30 s · 30 s) = 42.426 s.
  EXPECT_NEAR(young_interval(Duration::s(30), Duration::s(30)).seconds(), std::sqrt(1800.0), 1e-9);
}

TEST(CheckpointInterval, DalyMatchesHisWorkedCases) {
  const Duration delta = Duration::s(300);
  EXPECT_NEAR(minutes(daly_interval(delta, Duration::s(24 * 3600))), 117, 0.5);  // 116.69 min
  EXPECT_NEAR(minutes(daly_interval(delta, Duration::s(6 * 3600))), 57, 0.5);    // 56.71 min
  EXPECT_NEAR(minutes(daly_interval(delta, Duration::s(15 * 60))), 9.1, 0.05);   // 9.14 min
}

TEST(CheckpointInterval, DalyIsMWhenTheCheckpointCostsTwoMTBFsOrMore) {
  EXPECT_EQ(daly_interval(Duration::s(200), Duration::s(100)), Duration::s(100));
  EXPECT_EQ(daly_interval(Duration::s(200), Duration::s(50)), Duration::s(50));
}

TEST(CheckpointIntervalInvalid, NonPositiveInputsAreRejectedWithTheValue) {
  try {
    (void)daly_interval(Duration::s(300), Duration::s(0));
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "the MTBF must be positive, got 0 ns");
  }
  try {
    (void)young_interval(Duration::s(-5), Duration::s(10));
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "the checkpoint cost must be positive, got -5 s");
  }
}

}  // namespace
}  // namespace orrery::models
