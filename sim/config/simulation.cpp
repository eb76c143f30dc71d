#include "sim/config/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/core/suggest.hpp"
#include "sim/exec/executor.hpp"

namespace orrery::config {

namespace {
std::vector<std::string> kind_names() {
  std::vector<std::string> out;
  for (int k = 0; k < workload::kTaskKindCount; ++k) out.emplace_back(workload::name_of(static_cast<workload::TaskKind>(k)));
  return out;
}
}  // namespace

RunOutput simulate(const Scenario& scenario) {
  const exec::Cluster cluster(scenario.cluster);
  workload::ClusterShape shape = cluster.shape();
  shape.seed = scenario.seed;
  const workload::TaskGraph graph = scenario.workload->lower(shape);

  RunOutput out;
  out.recorder = std::make_unique<trace::Recorder>(kind_names());
  trace::Recorder& rec = *out.recorder;
  sim::Engine engine;
  const auto network = scenario.network->make(engine, cluster);
  exec::Executor executor(engine, cluster, *network, graph, &rec, scenario.collectives.get());
  const workload::TaskTimes times = executor.run();
  out.events = engine.events_processed();

  const topo::Topology& net = cluster.network();
  const auto& usage = network->link_usage();
  for (std::size_t i = 0; i < net.links().size(); ++i) {
    const LinkId id(static_cast<std::int32_t>(i));
    const auto& l = net.link(id);
    rec.link(trace::LinkRow{id.value(), l.src.value(), l.dst.value(), rec.intern(net.link_name(id)),
                            usage[i].busy.count(), usage[i].bytes.count()});
  }
  std::int64_t peak = 0;
  const auto& memory = executor.memory();
  for (std::size_t d = 0; d < memory.size(); ++d) {
    rec.memory(trace::MemoryRow{static_cast<std::int32_t>(d), memory[d].peak, memory[d].at_peak});
    peak = std::max(peak, memory[d].peak);
  }

  Summary& s = rec.summary();
  scenario.workload->summarize(graph, times, s);
  if (!times.collectives.empty() && !s.find("collective_algorithms")) {
    // The distinct op:algorithm pairs that ran, in task order.
    std::vector<std::string> picks;
    for (const auto& [task, record] : times.collectives) {
      const auto& c = std::get<workload::CollectiveWork>(graph.tasks()[static_cast<std::size_t>(task)].work);
      std::string pick = fmt::format("{}:{}", workload::name_of(c.op), record.algorithm);
      if (std::find(picks.begin(), picks.end(), pick) == picks.end()) picks.push_back(std::move(pick));
    }
    s.set("collective_algorithms", join(picks, ","));
  }
  s.set("peak_memory_bytes", peak);
  s.set("events", static_cast<std::int64_t>(out.events));
  network->summarize(s);
  return out;
}

}  // namespace orrery::config
