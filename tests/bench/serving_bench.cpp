// Serving at the issue's scale: Llama-3-70B on 8 replicas of tp 8 (64 H200s
// in 8 NVSwitch nodes), bursty arrivals (Gamma, cv 2) at 20 requests/s with
// lognormal prompt and output lengths, chunked prefill over a paged KV cache,
// least-outstanding-tokens routing; end to end: reading the scenario, the
// requests, every iteration on the engine, the summary and the tables.
// Target (the serving issue): one hour (~72,000 requests, ~3 million
// iterations) in at most 5 s on one core.
//  * BM_Serving70B/S: S seconds of arrivals (3600: the target; CI's smoke run takes 60).
// Counters: requests, iterations, events, peak_rss_gib.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "sim/run/capacity.hpp"
#include "sim/run/simulation.hpp"
#include "tests/bench/bench_support.hpp"

namespace orrery {
namespace {

constexpr const char* kScenario = R"(
seed: 1
cluster:
  device: H200-SXM-141GB
  nodes: 8
  node: { kind: nvswitch, devices: 8, bandwidth: "450 GB/s", nics: 8, nic_bandwidth: "400 Gb/s" }
  scale_out: { kind: fat_tree, levels: 2, radix: 16 }
network: { model: analytic }
workload:
  kind: serving
  model: { preset: llama3-70b }
  placement: { tp: 8 }
  router: least_tokens
  requests:
    arrival: gamma
    rate: 20
    cv: 2
    duration: "3600 s"
    prompt: { kind: lognormal, median: 600, sigma: 1.0, max: 4096 }
    output: { kind: lognormal, median: 250, sigma: 0.9, max: 2048 }
)";

using bench::summary_number;

void BM_Serving70B(benchmark::State& state) {
  const run::Catalog catalog;
  const std::string duration = std::to_string(state.range(0)) + " s";
  double requests = 0;
  double iterations = 0;
  double events = 0;
  for (auto _ : state) {
    const auto scenario = run::parse_scenario(catalog, kScenario, "serving.yaml",
                                              {"workload.requests.duration=" + duration}, std::nullopt);
    const auto out = run::simulate(scenario, false);
    requests = summary_number(out, "requests_finished");
    iterations = summary_number(out, "iterations");
    events = static_cast<double>(out.events);
    if (requests < 0.9 * 20 * static_cast<double>(state.range(0))) state.SkipWithError("too few requests finished");
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  state.counters["requests"] = requests;
  state.counters["iterations"] = iterations;
  state.counters["events"] = events;
  state.counters["peak_rss_gib"] = static_cast<double>(u.ru_maxrss) * 1024.0 / (1LL << 30);
}
BENCHMARK(BM_Serving70B)->Arg(60)->Arg(3600)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// A capacity search on the same deployment: the highest rate whose p99 TTFT
// stays under 1 s and p99 TPOT under 50 ms, each point 10 minutes of arrivals,
// two points at a time (target: ~10 points in at most 30 s on two cores).
//  * BM_Capacity70B/P/S: at most P simulations of S seconds of arrivals each.
void BM_Capacity70B(benchmark::State& state) {
  const std::string duration = std::to_string(state.range(1)) + " s";
  run::CapacityOptions o;
  o.low = 4;
  o.high = 64;
  o.tolerance = 0.05;
  o.jobs = 2;
  o.max_points = static_cast<int>(state.range(0));
  run::CapacityResult r;
  for (auto _ : state) {
    const auto evaluate = [&](double rate) {
      const run::Catalog catalog;
      const auto scenario = run::parse_scenario(
          catalog, kScenario, "serving.yaml",
          {"workload.requests.duration=" + duration, "workload.requests.rate=" + std::to_string(rate)}, std::nullopt);
      return run::simulate(scenario, false).recorder->summary();
    };
    r = run::capacity_search(evaluate, {{"ttft_p99_s", 1.0}, {"tpot_p99_s", 0.05}}, o);
    if (r.met == 0) state.SkipWithError("no rate met the objectives");
  }
  state.counters["points"] = static_cast<double>(r.points.size());
  state.counters["capacity_rps"] = r.met;
  state.counters["missed_rps"] = r.missed;
}
BENCHMARK(BM_Capacity70B)->Args({2, 30})->Args({10, 600})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace orrery
