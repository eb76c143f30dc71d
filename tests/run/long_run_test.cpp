// The long-horizon set-up from a scenario: an interval shorter than one
// checkpoint is not an error but a warning, returned as data (the CLI prints
// it; tests/cli/bad_inputs.sh checks the printed text).
#include <gtest/gtest.h>

#include "sim/run/catalog.hpp"
#include "sim/run/long_run.hpp"
#include "sim/run/scenario.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::run {
namespace {

// tests/cli/bad_inputs.sh's failure scenario.
const std::string kScenario = std::string(test::kSmallTraining) + R"(policies:
  failures:
    kind: classes
    classes:
      - { name: gpu, scope: gpu, mtbf: "50000 h" }
      - { name: software, scope: job, weibull_shape: 0.7, weibull_scale: "300 h" }
  checkpoint: { kind: sync, interval: "30 min", storage_bandwidth: "10 GB/s" }
  recovery: { kind: restart, spares: 1 }
  horizon: { days: 30, replicas: 10 }
)";

horizon::Setup setup_of(const std::string& text) {
  const Catalog catalog;
  const Scenario s = parse_scenario(catalog, text, "fail.yaml", {}, std::nullopt);
  return horizon_setup(s, RunContext(s).cluster(), Duration::s(1), std::nullopt);
}

TEST(LongRunSetup, AnIntervalShorterThanTheCheckpointIsAWarning) {
  const horizon::Setup h =
      setup_of(test::replace(test::replace(kScenario, "\"30 min\"", "\"100 ms\""), "days: 30", "days: 0.01"));
  ASSERT_GT(h.costs.pause, Duration::ms(100));
  ASSERT_EQ(h.warnings.size(), 1U);
  EXPECT_EQ(h.warnings[0],
            "policies.checkpoint.interval: 100 ms between checkpoints is shorter than one checkpoint (" +
                to_string(h.costs.pause) + "): more time goes to checkpoints than to training");
}

TEST(LongRunSetup, AnIntervalLongerThanTheCheckpointWarnsOfNothing) {
  const horizon::Setup h = setup_of(kScenario);
  EXPECT_EQ(h.interval, Duration::s(1800));
  EXPECT_TRUE(h.warnings.empty());
}

}  // namespace
}  // namespace orrery::run
