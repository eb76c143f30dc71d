// A neural-graphics cluster at the issue's scale: a 4K NeRF frame cut into 64
// tiles over 64 RTX 3090s with NGPCs of scale 64 (8 PCIe nodes on a
// two-level fat tree, the flow network), the tiles composited on device 0;
// end to end: reading the scenario, pricing the tiles, the engine, the
// summary and the /frames table.
// Target (issue 13): one frame in at most 10 ms.
//  * BM_NeuralGraphicsCluster/F: F frames released at 60 FPS (1: the target).
// Counters: frames, events, fps (simulated).
#include <benchmark/benchmark.h>

#include <string>

#include "sim/run/simulation.hpp"
#include "tests/bench/bench_support.hpp"

namespace orrery {
namespace {

constexpr const char* kScenario = R"(
seed: 1
cluster:
  device: NGPC-64
  nodes: 8
  node: { kind: pcie, devices: 8, bandwidth: "32 GB/s", nics: 1, nic_bandwidth: "100 Gb/s" }
  scale_out: { kind: fat_tree, levels: 2, radix: 16 }
network: { model: flow }
workload:
  kind: neural_graphics
  application: nerf
  resolution: 4k
  frame_rate: 60
  frames: 1
  samples_per_ray: 32
)";

void BM_NeuralGraphicsCluster(benchmark::State& state) {
  const run::Catalog catalog;
  const std::string frames = "workload.frames=" + std::to_string(state.range(0));
  double events = 0;
  double fps = 0;
  for (auto _ : state) {
    const auto scenario = run::parse_scenario(catalog, kScenario, "neural_graphics.yaml", {frames}, std::nullopt);
    const auto out = run::simulate(scenario, false);
    events = static_cast<double>(out.events);
    fps = bench::summary_number(out, "fps");
    if (!(fps > 0)) state.SkipWithError("no frame finished");
  }
  state.counters["frames"] = static_cast<double>(state.range(0));
  state.counters["events"] = events;
  state.counters["fps"] = fps;
}
BENCHMARK(BM_NeuralGraphicsCluster)->Arg(1)->Arg(60)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace orrery
