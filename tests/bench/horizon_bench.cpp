// The long-horizon failure simulation: 30 days of a 16,384-GPU job (2,048
// nodes of 8) under the Llama 3 failure profile (about 230 interruptions per
// replica), synchronous checkpoints every Daly interval of a 60 s write,
// automatic relaunch with spares, 100 Monte Carlo replicas, with the tables
// recorded. Target (the failures issue): under 10 s on this machine.
//  * BM_Horizon30Days/T: T threads (0: all cores); /1 is the one-core figure.
#include <benchmark/benchmark.h>

#include "models/failure/checkpoint_interval.hpp"
#include "sim/horizon/checkpoint_sync.hpp"
#include "sim/horizon/horizon.hpp"

namespace orrery::horizon {
namespace {

Setup thirty_days() {
  Setup s;
  const models::ClusterCounts c{.gpus = 16384, .nodes = 2048, .nics = 16384, .switches = 192, .links = 49152};
  s.classes = models::llama3_profile(c, Duration::s(600), Duration::s(4 * 3600));
  s.checkpoint = std::make_shared<SyncCheckpoint>(PeriodicParams{});
  s.costs.pause = s.costs.storage_write = s.costs.restore_storage = Duration::s(60);
  s.interval = models::daly_interval(s.costs.pause, models::job_mtbf(s.classes));
  s.detection = Duration::s(120);
  s.restart = Duration::s(600);
  s.spares = 64;
  s.nodes = 2048;
  s.gpus_per_node = 8;
  s.nics_per_node = 8;
  s.length = Duration::s(30 * 86400);
  s.iteration_time = Duration::s(10);
  s.replicas = 100;
  return s;
}

void BM_Horizon30Days(benchmark::State& state) {
  const Setup s = thirty_days();
  double goodput = 0, failures = 0;
  for (auto _ : state) {
    trace::Recorder rec({});
    const Result r = simulate(s, &rec, static_cast<unsigned>(state.range(0)));
    goodput = 0;
    failures = 0;
    for (const auto& x : r.replicas) {
      goodput += x.goodput() / static_cast<double>(r.replicas.size());
      failures += static_cast<double>(x.failures) / static_cast<double>(r.replicas.size());
    }
  }
  state.counters["goodput"] = goodput;
  state.counters["failures_per_replica"] = failures;
}
BENCHMARK(BM_Horizon30Days)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace orrery::horizon
