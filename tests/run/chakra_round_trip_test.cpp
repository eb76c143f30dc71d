// `orrery run --chakra` and the `chakra` workload, end to end: a scenario is
// run and its lowered graph exported (sim/run/chakra_output.hpp), the export
// is imported as the workload of the same cluster, and the import must run
// exactly as the original did. The independent computation is the original
// run itself. Exactly, because the import rebuilds the same graph: the same
// tasks in the same order (node ids are task indices), compute times to the
// nanosecond (orrery_duration_ns), the same transfers, the same collectives
// (op, group order, bytes, algorithm, root), the same dependencies with each
// task's successors released in increasing order, on a deterministic engine.
// So every task's start and end must match, and with them the iteration
// (iteration_time_s of training = completion_time_s of the import) and each
// collective's time. What does not come back: memory (not exported:
// peak_memory_bytes), and the keys only a training workload computes (mfu,
// bubbles). Also: what the files hold where ASTRA-sim reads them, and the
// shipped scenario against its closed form.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "sim/run/chakra_output.hpp"
#include "sim/run/simulation.hpp"
#include "tests/support/chakra_support.hpp"
#include "workloads/chakra/chakra_trace.hpp"

namespace orrery::chakra_round_trip_test {
namespace {

using chakra_support::TempDir;

struct Ran {
  Summary summary;
  task::TaskTimes times;
};

// Runs `s`, exporting its graph to `export_prefix` when given.
Ran run_scenario(const run::Scenario& s, const std::string& export_prefix = "") {
  run::RunContext context(s);
  std::optional<run::ChakraOutput> out;
  if (!export_prefix.empty()) out.emplace(export_prefix);
  Ran r;
  const run::ExecutedFn executed = [&](const task::TaskGraph& graph, const task::TaskTimes& times) {
    r.times = times;
    if (out) out->write(graph, times, context.shape().devices);
  };
  run::RunOutput o = run::simulate(s, context, run::make_recorder(), trace::RecordSelection{}, {}, executed);
  if (out) trace::commit_together(out->files());
  r.summary = o.recorder->summary();
  return r;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The scenario's text with its workload replaced by the Chakra trace at `prefix`.
std::string importing(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string out, line;
  bool skipping = false;
  while (std::getline(in, line)) {
    const bool top = !line.empty() && line[0] != ' ' && line[0] != '#';
    if (top) skipping = line.starts_with("workload:");
    if (!skipping) out += line + "\n";
  }
  return out + fmt::format("workload:\n  kind: chakra\n  trace: {}\n", prefix);
}

double number(const Summary& s, const std::string& key) {
  const auto* v = s.find(key);
  if (!v) throw std::runtime_error("no summary key " + key);
  if (const auto* d = std::get_if<double>(v)) return *d;
  return static_cast<double>(std::get<std::int64_t>(*v));
}

// Export `text`'s run, import it, and compare every task's times.
void round_trip(const std::string& text, const std::string& time_key) {
  const TempDir dir;
  const run::Catalog catalog;
  const Ran original = run_scenario(run::parse_scenario(catalog, text, dir.path("s.yaml"), {}, std::nullopt),
                                    dir.path("x"));
  const Ran back = run_scenario(
      run::parse_scenario(catalog, importing(text, dir.path("x")), dir.path("i.yaml"), {}, std::nullopt));
  ASSERT_EQ(back.times.start.size(), original.times.start.size());
  EXPECT_EQ(back.times.start, original.times.start);
  EXPECT_EQ(back.times.end, original.times.end);
  EXPECT_EQ(back.times.makespan, original.times.makespan);
  EXPECT_EQ(number(back.summary, "completion_time_s"), number(original.summary, time_key));
  ASSERT_EQ(back.times.collectives.size(), original.times.collectives.size());
  for (const auto& [task, record] : original.times.collectives) {
    EXPECT_EQ(back.times.collectives.at(task).algorithm, record.algorithm) << task;
    EXPECT_EQ(back.times.collectives.at(task).bytes, record.bytes) << task;
  }
}

std::string scenario_text(const std::string& name) {
  return read(std::string(ORRERY_SOURCE_DIR) + "/scenarios/" + name);
}

TEST(ChakraRoundTrip, TrafficAllReduce) { round_trip(scenario_text("traffic_allreduce.yaml"), "completion_time_s"); }

// Pipeline sends between stages, compute priced by the device model, on the flow network.
TEST(ChakraRoundTrip, GpipeTraining) { round_trip(scenario_text("gpipe_training.yaml"), "iteration_time_s"); }

// Collectives whose group is not every device in order, an all-gather whose
// buffer the group's size does not divide, a broadcast's root.
TEST(ChakraRoundTrip, GroupsRootsAndRoundedSizes) {
  const std::string text = R"(cluster:
  nodes: 4
  scale_out: { kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us", ring: true }
network: { model: analytic }
workload:
  kind: traffic
  collectives:
    - { op: all_gather, group: [2, 0, 1], bytes: 3001 B }
    - { op: broadcast, group: all, bytes: 1 MiB, root: 2, algorithm: pipeline }
)";
  round_trip(text, "completion_time_s");
  const TempDir dir;
  const run::Catalog catalog;
  (void)run_scenario(run::parse_scenario(catalog, text, dir.path("s.yaml"), {}, std::nullopt), dir.path("g"));
  EXPECT_EQ(read(dir.path("g.comm_groups.json")), "{\n  \"1\": [2, 0, 1]\n}\n");
  const auto rank0 = workload::chakra::parse_binary_trace(read(dir.path("g.0.et")), "g.0.et", "k");
  ASSERT_EQ(rank0.nodes.size(), 2u);
  const auto& gather = rank0.nodes[0];
  EXPECT_EQ(gather.type, workload::chakra::kCommCollNode);
  EXPECT_EQ(gather.comm_type, 2);     // ALL_GATHER
  EXPECT_EQ(gather.comm_size, 1000);  // ⌊3001 / 3⌋, each rank's part, as ASTRA-sim reads it
  EXPECT_EQ(gather.comm_bytes, 3001);
  EXPECT_EQ(gather.pg_name, "1");
  const auto& broadcast = rank0.nodes[1];
  EXPECT_EQ(broadcast.comm_type, 5);  // BROADCAST
  EXPECT_EQ(broadcast.comm_size, 1 << 20);
  EXPECT_EQ(broadcast.pg_name, "");   // every device in order: ASTRA-sim's default group
  EXPECT_EQ(broadcast.root, 2);
  EXPECT_EQ(broadcast.algorithm, "pipeline");
  EXPECT_FALSE(std::ifstream(dir.path("g.4.et")).good());  // one file per device
}

// What ASTRA-sim reads of traffic_allreduce's export: on each of the 8 ranks a
// GlobalMetadata and one COMM_COLL_NODE, ALL_REDUCE of 1 GiB over every rank,
// lasting the scenario's closed form 14 × (1 us + 2684355 ns) = 37594970 ns,
// 37595 us rounded.
TEST(ChakraRoundTrip, WhatAstraSimReads) {
  const TempDir dir;
  const run::Catalog catalog;
  (void)run_scenario(run::parse_scenario(catalog, scenario_text("traffic_allreduce.yaml"), dir.path("s.yaml"), {},
                                         std::nullopt),
                     dir.path("ar"));
  for (int r = 0; r < 8; ++r) {
    const auto trace = workload::chakra::parse_binary_trace(read(dir.path(fmt::format("ar.{}.et", r))), "f", "k");
    ASSERT_EQ(trace.nodes.size(), 1u);
    const auto& n = trace.nodes[0];
    EXPECT_EQ(n.id, 0u);
    EXPECT_EQ(n.type, workload::chakra::kCommCollNode);
    EXPECT_EQ(n.comm_type, 0);
    EXPECT_EQ(n.comm_size, std::int64_t{1} << 30);
    EXPECT_EQ(n.duration_micros, 37595u);
    EXPECT_EQ(n.pg_name, "");
  }
  EXPECT_EQ(read(dir.path("ar.comm_groups.json")), "{}\n");
}

// scenarios/chakra_allreduce.yaml: 100 us + 250 us (the slowest backward) +
// the ring all-reduce 6 × (1 us + ⌈16777216 B / 50 GB/s⌉ = 335545 ns) + 50 us.
TEST(ChakraRoundTrip, ShippedScenarioAgainstItsClosedForm) {
  const run::Catalog catalog;
  const std::string path = std::string(ORRERY_SOURCE_DIR) + "/scenarios/chakra_allreduce.yaml";
  const Ran r = run_scenario(run::load_scenario(catalog, path, {}, std::nullopt));
  const double all_reduce = 6 * (1000 + 335545) * 1e-9;
  const auto* times = r.summary.find("collective_time_s");
  ASSERT_NE(times, nullptr);
  ASSERT_EQ(std::get<std::vector<double>>(*times).size(), 1u);
  EXPECT_DOUBLE_EQ(std::get<std::vector<double>>(*times)[0], all_reduce);
  EXPECT_DOUBLE_EQ(number(r.summary, "completion_time_s"), 100e-6 + 250e-6 + all_reduce + 50e-6);
  EXPECT_EQ(number(r.summary, "chakra_nodes"), 16);  // 4 ranks × 4 nodes each (chakra_allreduce.py's rank_file)
}

// A node without a measured time is priced by the device model as one
// elementwise kernel of tensor_size bytes carrying num_ops FLOPs: the same
// operation priced directly by the run's device model.
TEST(ChakraRoundTrip, PricedComputeNode) {
  const TempDir dir;
  dir.write("p.0.et.txt", R"(global_metadata { }
node { id: 1 type: COMP_NODE attr { name: "num_ops" int64_val: 4000000000 } attr { name: "tensor_size" int64_val: 2000000000 } }
)");
  const std::string text = fmt::format(R"(cluster:
  nodes: 1
  device: H100-SXM5-80GB
  scale_out: {{ kind: chain, link_bandwidth: "50 GB/s" }}
network: {{ model: analytic }}
workload: {{ kind: chakra, trace: {} }}
)",
                                       dir.path("p"));
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, text, dir.path("s.yaml"), {}, std::nullopt);
  const run::RunContext context(s);
  const task::Operation op = task::Elementwise{task::PointwiseKind::kElementwise, 2'000'000'000, 2.0};
  const Duration expected = context.device()->time(op);
  EXPECT_GT(expected, Duration{});
  const Ran r = run_scenario(s);
  EXPECT_EQ(r.times.end.at(0) - r.times.start.at(0), expected);
}

}  // namespace
}  // namespace orrery::chakra_round_trip_test
