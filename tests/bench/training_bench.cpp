// One training iteration of the 1T GPT model on 3,072 A100s as Narayanan et
// al. (SC21) ran it — tp 8, pp 64, dp 6, interleaved 1F1B with 2 chunks per
// stage, 512 micro-batches per pipeline, full recompute — on 384 DGX A100
// nodes and a three-level fat tree, end to end: reading the scenario,
// lowering the task graph, running it, summarizing. Targets (the training
// issue): under 10 s and 4 GiB with the flow network, under 2 s analytic.
//  * BM_Training1T/N/T: N = 0 analytic network, 1 flow network; T = 1 with the
//    timeline (every span and memory sample, as `orrery run -o` keeps), 0
//    without (as `orrery run` without -o or --trace).
//  * BM_Lower1T: lowering that job's task graph alone, every replica built
//    (what a run on the flow network lowers; the cluster is built untimed):
//    reports its tasks per second. The six replicas are the first's copied
//    on their devices (workloads/pipeline_graph.hpp).
// Counters: events (engine events per run), events_per_s, tasks, peak_rss_gib
// (the process's maximum resident set so far, from getrusage: the flow case
// runs second, so its figure covers both).
//  * BM_Recorder1T/R: the same iteration on the analytic network, R = 0 with
//    the summary only, 1 writing one representative replica (its 512 devices'
//    spans and counters, every link's row) to an HDF5 file as `orrery run -o
//    --record-devices representative` does. The performance issue's target:
//    R = 1 within 20% of R = 0 (read the two rows' times as a ratio).
//  * BM_Llama405B/G: one iteration of Llama 3 405B on G H100s as
//    scripts/scaling_study.sh runs it (tp 8, pp 8, sequence parallel, 16
//    micro-batches per replica, dp = G/64, a radix-128 fat tree), analytic
//    network. Targets (the performance issue): G = 16,384 in 2 s and 1 GB,
//    G = 131,072 in 20 s and 4 GB. Checked: the iteration's time lies between
//    the pipeline's and twice it (the data-parallel collectives and the
//    optimizer step add to the pipeline, far less than it at these sizes),
//    and the replicas are simulated as one
//    class (as many events as at 128 GPUs, two replicas, run untimed first).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "sim/run/run_context.hpp"
#include "sim/run/simulation.hpp"
#include "sim/trace/record_selection.hpp"
#include "sim/trace/writers.hpp"
#include "tests/bench/bench_support.hpp"

namespace orrery {
namespace {

constexpr const char* kScenario = R"(
cluster:
  nodes: 384
  device: A100-SXM4-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nics: 8, nic_bandwidth: "200 Gb/s" }
  scale_out: { kind: fat_tree, levels: 3, radix: 40, link_latency: "700 ns" }
workload:
  kind: training
  model: { layers: 128, hidden: 25600, heads: 160, vocab: 51200, seq_len: 2048 }
  parallel: { tp: 8, pp: 64, dp: 6, vpp: 2 }
  training: { global_batch: 3072, micro_batch: 1, recompute: full, attention: unfused }
)";

double peak_rss_gib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0 / (1LL << 30);  // ru_maxrss is in KiB on Linux
}

void BM_Training1T(benchmark::State& state) {
  const run::Catalog catalog;
  const std::string model = state.range(0) == 0 ? "analytic" : "flow";
  std::uint64_t events = 0;
  double iteration = 0;
  for (auto _ : state) {
    const auto scenario =
        run::parse_scenario(catalog, kScenario, "1t.yaml", {"network.model=" + model}, std::nullopt);
    const auto out = run::simulate(scenario, state.range(1) == 1);
    events = out.events;
    iteration = bench::summary_number(out, "iteration_time_s");
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["iteration_s"] = iteration;
  state.counters["peak_rss_gib"] = peak_rss_gib();
  state.SetLabel(model + (state.range(1) == 1 ? ", timeline" : ", summary only"));
}
void BM_Lower1T(benchmark::State& state) {
  const run::Catalog catalog;
  const auto scenario =
      run::parse_scenario(catalog, kScenario, "1t.yaml", {"network.model=flow"}, std::nullopt);
  const run::RunContext context(scenario);
  std::size_t tasks = 0;
  for (auto _ : state) {
    {
      const workload::Lowered lowered = scenario.workload->lower(context.shape());
      tasks = lowered.graph.size();
      state.PauseTiming();  // the graph's release is not lowering
    }
    state.ResumeTiming();
  }
  state.counters["tasks"] = static_cast<double>(tasks);
  state.counters["tasks_per_s"] =
      benchmark::Counter(static_cast<double>(tasks), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Lower1T)->Unit(benchmark::kMillisecond);

void BM_Recorder1T(benchmark::State& state) {
  const run::Catalog catalog;
  const auto file = std::filesystem::temp_directory_path() / "orrery_bench_recorder.h5";
  for (auto _ : state) {
    const auto scenario = run::parse_scenario(catalog, kScenario, "1t.yaml", {"network.model=analytic"}, std::nullopt);
    auto recorder = run::make_recorder();
    std::optional<trace::Hdf5Writer> h5;
    trace::RecordSelection selection;
    selection.devices = trace::RecordSelection::Devices::kRepresentative;
    if (state.range(0) == 1) recorder->observe(h5.emplace(file.string()));
    const auto out = run::simulate(scenario, std::move(recorder), selection);
    if (h5) {
      h5->finish(*out.recorder, trace::RunInfo{"bench", "", "1t.yaml", 0, 0.0});
      std::vector<trace::AtomicFile*> outputs{&h5->file()};
      trace::commit_together(outputs);
    }
  }
  if (state.range(0) == 1) {
    const auto bytes = std::filesystem::file_size(file);
    state.counters["file_mib"] = static_cast<double>(bytes) / (1 << 20);
    std::filesystem::remove(file);
  }
  state.SetLabel(state.range(0) == 1 ? "representative replica to HDF5" : "summary only");
}
BENCHMARK(BM_Recorder1T)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

std::string llama405b(std::int64_t gpus) {
  const std::int64_t dp = gpus / 64;
  return fmt::format(R"(seed: 1
cluster:
  nodes: {}
  device: H100-SXM5-80GB
  node: {{ kind: nvswitch, devices: 8, bandwidth: "450 GB/s", nics: 8, nic_bandwidth: "400 Gb/s" }}
  scale_out: {{ kind: fat_tree, levels: 3, radix: 128, link_latency: "700 ns" }}
network: {{ model: analytic }}
workload:
  kind: training
  model: {{ preset: llama3-405b, layers: 128 }}
  parallel: {{ tp: 8, pp: 8, dp: {}, sequence_parallel: true }}
  training: {{ global_batch: {}, micro_batch: 1, recompute: selective, distributed_optimizer: true, check_memory: false }}
)",
                     gpus / 8, dp, 16 * dp);
}

void BM_Llama405B(benchmark::State& state) {
  const run::Catalog catalog;
  const std::string text = llama405b(state.range(0));
  // Two replicas (128 GPUs), before the timed run: one replica's events, what
  // every G gives when its replicas form one class.
  const std::uint64_t one_replica =
      run::simulate(run::parse_scenario(catalog, llama405b(128), "llama405b.yaml", {}, std::nullopt), false)
          .events;
  std::uint64_t events = 0;
  double iteration = 0;
  double pipeline = 0;
  for (auto _ : state) {
    const auto scenario =
        run::parse_scenario(catalog, text, "llama405b.yaml", {"limits.events=1e15"}, std::nullopt);
    const auto out = run::simulate(scenario, false);
    events = out.events;
    iteration = bench::summary_number(out, "iteration_time_s");
    pipeline = bench::summary_number(out, "pipeline_time_s");
  }
  if (!(pipeline > 0 && iteration >= pipeline && iteration < 2 * pipeline)) {
    state.SkipWithError("the iteration is not between the pipeline's time and twice it");
  }
  if (events != one_replica) state.SkipWithError("the replicas were not simulated as one class");
  state.counters["events"] = static_cast<double>(events);
  state.counters["iteration_s"] = iteration;
  state.counters["peak_rss_gib"] = peak_rss_gib();
}
BENCHMARK(BM_Llama405B)->Arg(16384)->Arg(131072)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK(BM_Training1T)->Args({0, 0})->Args({0, 1})->Args({1, 0})->Args({1, 1})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace orrery
