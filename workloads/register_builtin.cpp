// The workload kinds a scenario can name under `workload: { kind: ... }`. To
// add one: a Params::read, a class deriving Workload, one line here, tests in
// tests/workloads/ and a scenario.
#include "workloads/pipeline_profiled.hpp"
#include "workloads/traffic.hpp"

namespace orrery::workload {

void register_builtin(WorkloadRegistry& workloads, const ScheduleRegistry& schedules,
                      const CollectiveNames& collectives) {
  workloads.add("pipeline", "a pipeline of stages with profiled forward/backward/weight-gradient times per stage",
                [&schedules](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<PipelineWorkload>(PipelineParams::read(r, schedules));
                });
  workloads.add("traffic",
                "network traffic for network studies: flow patterns (permutation, all_to_all, ring, "
                "incast, hot_spot, CSV file) and collectives",
                [&collectives](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<TrafficWorkload>(TrafficParams::read(r, collectives));
                });
}

}  // namespace orrery::workload
