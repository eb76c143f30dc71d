// Vector search at the issue's scale: one million queries over 8 Alveo U55C
// cards (FANNS's SIFT design, 100M vectors a card, nprobe 17) behind one
// switch, Poisson arrivals at 9,000 queries/s (95% of a card's 9,523),
// batches of up to 32 with a 2 ms timeout; end to end: reading the scenario,
// the FPGA co-design, every batch's broadcast, searches, result sends and
// merge on the engine, the summary and the tables.
// Target (issue 13): one million queries in at most 2 s.
//  * BM_VectorSearch8Fpga/Q/F: Q queries (1,000,000: the target; CI's smoke
//    run takes 20,000); F = 0 the analytic network, 1 the flow network.
// Counters: queries, batches, events, qps, latency_p95_ms, peak_rss_gib.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "sim/run/simulation.hpp"
#include "tests/bench/bench_support.hpp"

namespace orrery {
namespace {

constexpr const char* kScenario = R"(
seed: 1
cluster:
  device: Alveo-U55C
  nodes: 8
  node: { kind: single }
  scale_out: { kind: fat_tree, levels: 2, radix: 16, link_bandwidth: "100 Gb/s", link_latency: "1 us" }
network: { model: analytic }
workload:
  kind: vector_search
  index: { dim: 128, vectors: 800000000, nlist: 8192, m: 16, opq: true }
  search: { k: 10, nprobe: 17 }
  design: { utilization: 0.5 }
  queries: { arrival: poisson, rate: 9000, count: 1000 }
  batch: 32
  batch_timeout: "2 ms"
)";

using bench::summary_number;

void BM_VectorSearch8Fpga(benchmark::State& state) {
  const run::Catalog catalog;
  double queries = 0;
  double batches = 0;
  double events = 0;
  double qps = 0;
  double p95 = 0;
  for (auto _ : state) {
    const auto scenario = run::parse_scenario(
        catalog, kScenario, "vector_search.yaml",
        {"workload.queries.count=" + std::to_string(state.range(0)),
         std::string("network.model=") + (state.range(1) != 0 ? "flow" : "analytic")},
        std::nullopt);
    const auto out = run::simulate(scenario, false);
    queries = summary_number(out, "queries");
    batches = summary_number(out, "batches");
    events = static_cast<double>(out.events);
    qps = summary_number(out, "qps");
    p95 = summary_number(out, "latency_p95_s") * 1e3;
    if (queries != static_cast<double>(state.range(0))) state.SkipWithError("not every query was answered");
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  state.counters["queries"] = queries;
  state.counters["batches"] = batches;
  state.counters["events"] = events;
  state.counters["qps"] = qps;
  state.counters["latency_p95_ms"] = p95;
  state.counters["peak_rss_gib"] = static_cast<double>(u.ru_maxrss) * 1024.0 / (1LL << 30);
}
BENCHMARK(BM_VectorSearch8Fpga)
    ->Args({20000, 0})
    ->Args({1000000, 0})
    ->Args({1000000, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace orrery
