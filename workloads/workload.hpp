// A workload lowers its spec to a task graph for a given cluster, and turns
// the executed task times into summary values. Both steps are pure: no engine,
// no cost model. Each workload kind is one file, registered by name.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/config/registry.hpp"
#include "sim/core/summary.hpp"
#include "workloads/collective_names.hpp"
#include "workloads/schedules/schedule.hpp"
#include "workloads/task_graph.hpp"

namespace orrery::workload {

// What a workload may know of the cluster it is lowered onto.
struct ClusterShape {
  int devices = 0;
  int devices_per_node = 1;
  std::uint64_t seed = 1;  // the scenario seed: workloads that draw random numbers use named streams of it
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Throws ConfigError (at the offending key) when the spec does not fit the cluster.
  [[nodiscard]] virtual TaskGraph lower(const ClusterShape& cluster) const = 0;
  virtual void summarize(const TaskGraph& graph, const TaskTimes& times, Summary& out) const = 0;
};

using WorkloadRegistry = config::Registry<std::shared_ptr<const Workload>>;

// `collectives` names the algorithms workloads may ask for; it must outlive the registry.
void register_builtin(WorkloadRegistry& workloads, const ScheduleRegistry& schedules,
                      const CollectiveNames& collectives);

}  // namespace orrery::workload
