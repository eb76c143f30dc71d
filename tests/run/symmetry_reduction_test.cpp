// The symmetry reduction of contention-free networks (Executor::run_every_transfer,
// `orrery run --full`): on the analytic network a collective runs as one event
// at the end of its plan's critical path, and plans and critical paths are
// shared by groups of the same shape on alike routes. The independent
// computation is the full run itself: every transfer of every collective as
// its own events. The two must agree on every result but the event count, on
// training jobs of 1,024 and 4,096 GPUs (data-parallel groups of 32 and 128
// over a fat tree), on the timeline they record, and on the link usage. On
// the flow network, where transfers contend, nothing is reduced: both runs are
// the same run.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "sim/run/simulation.hpp"
#include "sim/trace/record_selection.hpp"
#include "sim/trace/writers.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::symmetry_reduction_test {
namespace {

std::string training(int nodes, int dp, const std::string& network) {
  return fmt::format(R"(
seed: 3
cluster:
  nodes: {n}
  device: H100-SXM5-80GB
  node: {{ kind: nvswitch, devices: 8, bandwidth: "450 GB/s", nics: 8, nic_bandwidth: "400 Gb/s" }}
  scale_out: {{ kind: fat_tree, levels: 3, radix: 32, link_latency: "700 ns" }}
network: {{ model: {net} }}
workload:
  kind: training
  model: {{ preset: gpt3-6.7b, layers: 8 }}
  parallel: {{ tp: 8, pp: 4, dp: {dp} }}
  training: {{ global_batch: {gb}, micro_batch: 1, distributed_optimizer: true, check_memory: false }}
)",
                     fmt::arg("n", nodes), fmt::arg("net", network), fmt::arg("dp", dp), fmt::arg("gb", 4 * dp));
}

struct Outcome {
  std::string summary;  // as JSON, without `events`
  std::uint64_t events = 0;
  int simulated = 0;  // replicas simulated under a replica reduction (0: none)
  std::vector<trace::Span> spans;  // sorted
  std::vector<trace::LinkRow> links;
};

Outcome run_scenario(const std::string& text, bool full, const std::string& devices = "all") {
  const run::Catalog catalog;
  run::Scenario s = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  s.full = full;
  auto recorder = run::make_recorder();
  recorder->keep_timeline();
  trace::RecordSelection selection;
  trace::parse_record_devices(devices, selection);
  run::RunOutput out = run::simulate(s, std::move(recorder), selection);
  Outcome r;
  r.events = out.events;
  r.simulated = out.simulated_replicas;
  Summary summary = out.recorder->summary();
  summary.set("events", std::int64_t{0});
  std::ostringstream json;
  trace::write_summary_json(json, summary, 0.0);
  r.summary = json.str();
  r.spans = out.recorder->spans();
  const auto key = [](const trace::Span& a) {
    return std::tuple(a.start, a.end, a.device, a.kind, a.name, a.micro_batch, a.stage, a.bytes);
  };
  std::sort(r.spans.begin(), r.spans.end(), [&](const trace::Span& a, const trace::Span& b) { return key(a) < key(b); });
  r.links = out.recorder->links();
  return r;
}

void expect_same_results(const Outcome& reduced, const Outcome& full) {
  EXPECT_EQ(reduced.summary, full.summary);
  ASSERT_EQ(reduced.spans.size(), full.spans.size());
  for (std::size_t i = 0; i < full.spans.size(); ++i) {
    ASSERT_EQ(reduced.spans[i].start, full.spans[i].start) << "span " << i;
    ASSERT_EQ(reduced.spans[i].end, full.spans[i].end) << "span " << i;
    ASSERT_EQ(reduced.spans[i].device, full.spans[i].device) << "span " << i;
    ASSERT_EQ(reduced.spans[i].bytes, full.spans[i].bytes) << "span " << i;
  }
  ASSERT_EQ(reduced.links.size(), full.links.size());
  for (std::size_t i = 0; i < full.links.size(); ++i) {
    ASSERT_EQ(reduced.links[i].busy, full.links[i].busy) << "link " << i;
    ASSERT_EQ(reduced.links[i].bytes, full.links[i].bytes) << "link " << i;
  }
}

// A training job reduced and in full: the same results, and at least
// `fewer` times fewer events reduced. Each data-parallel reduce-scatter and
// all-gather of dp ranks is 2(dp-1)·dp transfers in the full run (several
// events each) and one event reduced, while compute tasks and pipeline sends
// stay: the bounds below leave room for those (the larger dp, the more of
// the full run's events are collective transfers).
void expect_reduction(int nodes, int dp, std::uint64_t fewer) {
  const std::string text = training(nodes, dp, "analytic");
  const Outcome reduced = run_scenario(text, false);
  const Outcome full = run_scenario(text, true);
  expect_same_results(reduced, full);
  EXPECT_LT(reduced.events * fewer, full.events);
}

TEST(SymmetryReduction, AnalyticThousandGpusSameResultsFewerEvents) {
  expect_reduction(128, 32, 4);  // 1,024 GPUs
}

TEST(SymmetryReduction, AnalyticFourThousandGpusSameResults) {
  expect_reduction(512, 128, 10);  // 4,096 GPUs
}

TEST(SymmetryReduction, RecordingARepresentativeReplicaKeepsTheSameSpans) {
  // The reduced run builds the transfer spans of recorded senders only; the
  // full run builds them all and the recorder drops the others.
  const std::string text = training(128, 32, "analytic");
  const Outcome reduced = run_scenario(text, false, "representative");
  const Outcome full = run_scenario(text, true, "representative");
  expect_same_results(reduced, full);
  EXPECT_GT(reduced.spans.size(), 0u);
  const Outcome all = run_scenario(text, false);
  EXPECT_LT(reduced.spans.size() * 8, all.spans.size());  // dp 32: a replica is 1/32 of the devices
}

// The data-parallel replica reduction (simulation.cpp's lower_for_run): with a
// representative recording (or none) one replica is simulated and stands for
// the others, which the fat tree treats alike here (each replica's 4 nodes
// sit under one leaf pair as replica 0's do). The full run is the independent
// computation: the same summary, the same spans of replica 0, the same usage
// of every link (the other replicas' sends loaded on their own routes).
void expect_mirrored(int nodes, int dp) {
  const std::string text = training(nodes, dp, "analytic");
  const Outcome reduced = run_scenario(text, false, "representative");
  const Outcome full = run_scenario(text, true, "representative");
  EXPECT_EQ(reduced.simulated, 1);
  EXPECT_EQ(full.simulated, 0);
  expect_same_results(reduced, full);
  // One replica's compute and sends of dp, and each collective one event.
  EXPECT_LT(reduced.events * static_cast<std::uint64_t>(dp) / 2, full.events);
}

TEST(SymmetryReduction, OneReplicaStandsForAllAtAThousandGpus) { expect_mirrored(128, 32); }

TEST(SymmetryReduction, OneReplicaStandsForAllAtFourThousandGpus) { expect_mirrored(512, 128); }

TEST(SymmetryReduction, ReplicasTheNetworkTreatsDifferentlyAreSimulatedOncePerClass) {
  // tp 8 × pp 5 on 20 nodes of a radix-24 fat tree: a replica is 5 nodes,
  // and the switches' groups of nodes do not line up with the replicas.
  // Replica 2's send from stage 3 to 4 (device 112 to 144) crosses two more
  // links of 700 ns than replica 0's (96 to 128): 46,144 ns against 44,744.
  // So replica 0 cannot stand for replica 2: the reduction simulates one
  // replica of each class of alike replicas (more than one class, fewer than
  // the 4 replicas), and the results are still the full run's.
  std::string text = test::replace(training(20, 4, "analytic"), "tp: 8, pp: 4", "tp: 8, pp: 5");
  text = test::replace(text, "layers: 8", "layers: 10");
  text = test::replace(text, "radix: 32", "radix: 24");
  const Outcome reduced = run_scenario(text, false, "representative");
  const Outcome full = run_scenario(text, true, "representative");
  EXPECT_GT(reduced.simulated, 1);
  EXPECT_LT(reduced.simulated, 4);
  expect_same_results(reduced, full);
}

TEST(SymmetryReduction, FlowNetworkIsNotReduced) {
  // Flows share links max-min: a transfer's time depends on all others, so
  // the flow network runs every transfer, with or without --full.
  const std::string text = training(16, 4, "flow");  // 128 GPUs
  const Outcome reduced = run_scenario(text, false);
  const Outcome full = run_scenario(text, true);
  expect_same_results(reduced, full);
  EXPECT_EQ(reduced.events, full.events);
}

}  // namespace
}  // namespace orrery::symmetry_reduction_test
