// `limits.tasks` (and --max-tasks, which sets it): the cap on one lowered
// graph's tasks is the scenario's to raise or lower, exactly at the count the
// message gives: training's dp × micro-batches × model chunks × 3 passes, and
// traffic's n(n − 1) all-to-all flows. `limits.events` (--max-events): the
// run's events estimated before it starts, checked against a ring's count.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "sim/run/simulation.hpp"

namespace orrery::limits_test {
namespace {

// 4 stages × 8 micro-batches × 3 passes (F, B, W) on one replica: 96 tasks.
constexpr const char* kTraining = R"(
cluster: { nodes: 4, scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "0 ns" } }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 8, hidden: 64, heads: 1, vocab: 64, seq_len: 64 }
  parallel: { pp: 4 }
  training: { global_batch: 8, attention: unfused }
  compute: { model: profiled, forward: "1 us", backward: "2 us" }
)";

// all_to_all over 8 devices: 8 × 7 = 56 flows.
constexpr const char* kTraffic = R"(
cluster: { nodes: 8, scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us" } }
network: { model: analytic }
workload:
  kind: traffic
  flows:
    - { pattern: all_to_all, bytes: "1 MiB" }
)";

std::string error_of(const std::string& text, const std::vector<std::string>& sets) {
  const run::Catalog catalog;
  try {
    (void)run::simulate(run::parse_scenario(catalog, text, "l.yaml", sets, std::nullopt));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Limits, TrainingTasksAreCappedAtTheScenariosLimit) {
  EXPECT_EQ(error_of(kTraining, {"limits.tasks=96"}), "(no error)");
  const std::string e = error_of(kTraining, {"limits.tasks=95"});
  EXPECT_NE(e.find("workload.training.global_batch: dp 1 × 8 micro-batches × 4 model chunks × 3 passes = 96 tasks, "
                   "more than limits.tasks = 95"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("--max-tasks"), std::string::npos) << e;
}

TEST(Limits, TrafficFlowsAreCappedAtTheScenariosLimit) {
  EXPECT_EQ(error_of(kTraffic, {"limits.tasks=56"}), "(no error)");
  const std::string e = error_of(kTraffic, {"limits.tasks=55"});
  EXPECT_NE(e.find("all_to_all over 8 devices is 56 flows, more than limits.tasks = 55"), std::string::npos) << e;
}

// A ring all-reduce over 8 ranks runs 2 × 8 × 7 = 112 transfers (2(p−1)
// steps of p): one task and 112 transfers, two events each, on a network that
// runs them one by one (flow); one task, two events, where a contention-free
// network runs the collective as one event (analytic).
TEST(Limits, EventsAreEstimatedBeforeTheRun) {
  std::string ring = kTraffic;
  ring.replace(ring.find("  flows:"), std::string::npos,
               "  collectives:\n    - { op: all_reduce, bytes: \"1 MiB\", algorithm: ring }\n");
  std::string flow = ring;
  flow.replace(flow.find("model: analytic"), 15, "model: flow");
  EXPECT_EQ(error_of(flow, {"limits.events=226"}), "(no error)");
  const std::string e = error_of(flow, {"limits.events=225"});
  EXPECT_NE(e.find("about 226 events (1 tasks and 112 collective transfers"), std::string::npos) << e;
  EXPECT_EQ(error_of(ring, {"limits.events=2"}), "(no error)");
  EXPECT_NE(error_of(ring, {"limits.events=1"}).find("about 2 events"), std::string::npos);
}

TEST(Limits, TheLimitIsRecordedAndChecked) {
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, kTraffic, "l.yaml", {"limits.tasks=3e7"}, std::nullopt);
  EXPECT_DOUBLE_EQ(s.limits.tasks, 3e7);
  EXPECT_NE(s.resolved_yaml.find("tasks: 30000000"), std::string::npos) << s.resolved_yaml;
  EXPECT_NE(error_of(kTraffic, {"limits.tasks=0"}).find("limits.tasks: must be in [1, 1e12], got 0"),
            std::string::npos);
}

}  // namespace
}  // namespace orrery::limits_test
