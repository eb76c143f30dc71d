// Collectives at scale: lowering a collective to its transfer plan and
// simulating it, end to end through the executor (the plan is built when the
// collective starts, as in a run):
//  * BM_RingAllReduce1GiB: a 1 GiB ring all-reduce over 1,024 endpoints,
//    2·1023 steps × 1,024 transfers = 2,095,104 transfers;
//  * BM_AllToAll256: an all-to-all of 1 GiB per rank among 256 endpoints,
//    direct (65,280 transfers at once) and pairwise (255 rounds);
//  * BM_RingAllReduce1GiBRecorded: the first with the trace recorder on (one
//    span per transfer), to show what recording costs.
// Each iteration lowers the workload, builds a fresh engine and network
// service and runs the executor; items_per_second is simulated events per
// wall-clock second (the analytic network: one event per transfer).
//
// The cluster and network come from the scenario text, so the same benchmark
// runs on any registered topology and network model: set
//   ORRERY_BENCH_SCALE_OUT='{ kind: fat_tree, levels: 3, radix: 32, ... }'
//   ORRERY_BENCH_NETWORK=flow
// (defaults: a ring of 50 GB/s, 1 us links; the analytic model).
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <cstdlib>

#include "sim/run/scenario.hpp"
#include "sim/exec/executor.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery {
namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string scenario_text(int endpoints, const std::string& collective) {
  return fmt::format(
      R"(cluster:
  nodes: {}
  scale_out: {}
network: {{ model: {} }}
workload:
  kind: traffic
  collectives:
    - {}
)",
      endpoints,
      env_or("ORRERY_BENCH_SCALE_OUT",
             R"({ kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us", ring: true })"),
      env_or("ORRERY_BENCH_NETWORK", "analytic"), collective);
}

void run_collective(benchmark::State& state, int endpoints, const std::string& collective, bool record) {
  const run::Catalog catalog;
  const run::Scenario s =
      run::parse_scenario(catalog, scenario_text(endpoints, collective), "bench.yaml", {}, std::nullopt);
  const exec::Cluster cluster(s.cluster);
  workload::ClusterShape shape = cluster.shape();
  shape.seed = s.seed;
  std::uint64_t events = 0;
  task::TaskTimes times;
  for (auto _ : state) {
    const task::TaskGraph graph = s.workload->lower(shape).graph;
    sim::Engine engine;
    const auto network = s.network->make(engine, cluster);
    std::unique_ptr<trace::Recorder> recorder;
    if (record) {
      recorder = std::make_unique<trace::Recorder>(std::vector<std::string>(task::kTaskKindCount, "k"));
      recorder->keep_timeline();
    }
    exec::Executor executor(engine, cluster, *network, graph, recorder.get(), s.collectives.get());
    times = executor.run();
    events += engine.events_processed();
    benchmark::DoNotOptimize(times.makespan);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  const auto& record_of = times.collectives.begin()->second;
  state.counters["transfers"] = static_cast<double>(record_of.transfers);
  state.counters["simulated_s"] = times.makespan.seconds();
  state.SetLabel(record_of.algorithm);
}

void BM_RingAllReduce1GiB(benchmark::State& state) {
  run_collective(state, 1024, R"({ op: all_reduce, bytes: "1 GiB", algorithm: ring })", false);
}
BENCHMARK(BM_RingAllReduce1GiB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RingAllReduce1GiBRecorded(benchmark::State& state) {
  run_collective(state, 1024, R"({ op: all_reduce, bytes: "1 GiB", algorithm: ring })", true);
}
BENCHMARK(BM_RingAllReduce1GiBRecorded)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AllToAll256(benchmark::State& state) {
  const char* algorithm = state.range(0) == 0 ? "direct" : "pairwise";
  run_collective(state, 256, fmt::format(R"({{ op: all_to_all, bytes: "1 GiB", algorithm: {} }})", algorithm),
                 false);
}
BENCHMARK(BM_AllToAll256)->Arg(0)->Arg(1)->ArgName("pairwise")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace orrery
