// Runs a task graph on the engine against the cluster's cost models: a task
// starts when all its predecessors have finished; compute tasks run one at a
// time per device, in the order they became ready; transfers go to the
// network service. It fills the task times, the per-device memory timeline
// (peak and breakdown at the peak) and, when given a recorder, one span per task
// and a `memory` counter sample per device whenever its memory in use changes.
#pragma once

#include <array>
#include <deque>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/exec/cluster.hpp"
#include "sim/exec/network_service.hpp"
#include "sim/trace/recorder.hpp"
#include "workloads/task_graph.hpp"

namespace orrery::exec {

struct DeviceMemory {
  std::array<std::int64_t, workload::kMemoryCategoryCount> current{};
  std::array<std::int64_t, workload::kMemoryCategoryCount> at_peak{};
  std::int64_t peak = 0;
};

class Executor {
 public:
  Executor(sim::Engine& engine, const Cluster& cluster, NetworkService& network, const workload::TaskGraph& graph,
           trace::Recorder* recorder);

  // Runs the graph to completion. Throws InfeasibleError when tasks are left
  // that can never start (a cycle), naming one of them.
  workload::TaskTimes run();
  [[nodiscard]] const std::vector<DeviceMemory>& memory() const { return memory_; }

 private:
  void ready(TaskId t);
  void start(TaskId t);
  void finish(TaskId t);
  void apply(const workload::MemoryEffect& e);

  sim::Engine& engine_;
  const Cluster& cluster_;
  NetworkService& network_;
  const workload::TaskGraph& graph_;
  trace::Recorder* recorder_;

  std::vector<int> waiting_;  // unfinished predecessors per task
  std::vector<bool> device_busy_;
  std::vector<std::deque<TaskId>> device_queue_;
  std::vector<DeviceMemory> memory_;
  std::vector<std::int32_t> span_names_;  // graph name id -> recorder name id
  std::int32_t memory_counter_ = -1;      // recorder name of the memory-in-use counter
  workload::TaskTimes times_;
  std::size_t finished_ = 0;
};

}  // namespace orrery::exec
