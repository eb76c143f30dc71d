// Runs a task graph on the engine against the cluster's cost models: a task
// starts when all its predecessors have finished (and not before its
// `not_before` time); compute tasks run one at a time per device, in the order
// they became ready; transfers go to the network service. A collective task is
// expanded when it starts into the transfer plan of its algorithm (the one
// named, or for "auto" the one the tuner predicts fastest on the cluster's
// routes); the plan's transfers go to the network service as their
// dependencies finish, so they contend with all other traffic, and the
// collective ends when its last transfer ends. Plans are cached per distinct
// collective. It fills the task times (and which algorithm each collective
// ran) and the per-device memory timeline (peak and breakdown at the peak),
// and reports to its span sink (trace::SpanSink; none: trace::null_sink()) one
// span per task (a collective's on its first device), one `send` span per
// transfer of a collective (stage = its step), and a `memory` counter sample
// per device whenever its memory in use changes.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/collective/collective_algorithm.hpp"
#include "sim/engine/engine.hpp"
#include "sim/exec/cluster.hpp"
#include "sim/exec/network_service.hpp"
#include "sim/trace/span_sink.hpp"
#include "workloads/task_graph.hpp"

namespace orrery::exec {

struct DeviceMemory {
  std::array<std::int64_t, workload::kMemoryCategoryCount> current{};
  std::array<std::int64_t, workload::kMemoryCategoryCount> at_peak{};
  std::int64_t peak = 0;
};

class Executor {
 public:
  // `collectives` runs collective tasks; a graph with collectives needs it.
  // `sink` receives the timeline; null: nothing is recorded.
  Executor(sim::Engine& engine, const Cluster& cluster, NetworkService& network, const workload::TaskGraph& graph,
           trace::SpanSink* sink, const models::CollectiveLibrary* collectives = nullptr);

  // Runs the graph to completion. Throws InfeasibleError when a task names a
  // device outside the cluster, when a collective cannot run (unknown
  // algorithm, bad group), or when tasks are left that can never start (a
  // cycle), naming one of them.
  workload::TaskTimes run();
  [[nodiscard]] const std::vector<DeviceMemory>& memory() const { return memory_; }

 private:
  void ready(TaskId t);
  void start(TaskId t);
  void finish(TaskId t);
  void report(TaskId t);
  void apply(const workload::MemoryEffect& e);
  void check_task(std::size_t i) const;

  // Collectives: a lowered plan (shared by every run of the same collective) and each running one.
  struct LoweredCollective {
    std::shared_ptr<const models::CollectivePlan> plan;
    std::string algorithm;
    Duration predicted;  // the alpha-beta prediction on the group's routes
    workload::CollectiveWork key;  // what it was lowered from
    std::int32_t span_name = -1;   // its transfers' span name, "OP ALGORITHM"
  };
  struct RunningCollective {
    TaskId task;
    std::shared_ptr<const models::CollectivePlan> plan;
    const std::vector<DeviceId>* group = nullptr;
    std::vector<std::int32_t> waiting;   // unfinished dependencies per transfer
    std::vector<std::int64_t> started;   // start time per transfer (for spans)
    std::size_t left = 0;                // transfers not yet finished
    std::int32_t span_name = -1;
  };
  LoweredCollective& lower(const workload::CollectiveWork& c);
  void start_collective(TaskId t, const workload::CollectiveWork& c);
  void start_transfer(std::size_t slot, std::int32_t i);
  void transfer_done(std::size_t slot, std::int32_t i);

  sim::Engine& engine_;
  const Cluster& cluster_;
  NetworkService& network_;
  const workload::TaskGraph& graph_;
  trace::SpanSink& sink_;
  const models::CollectiveLibrary* collectives_;

  std::vector<int> waiting_;  // unfinished predecessors per task
  std::vector<bool> device_busy_;
  std::vector<std::deque<TaskId>> device_queue_;
  std::vector<DeviceMemory> memory_;
  std::vector<std::int32_t> span_names_;  // graph name id -> sink name id
  std::int32_t memory_counter_ = -1;      // sink name of the memory-in-use counter
  workload::TaskTimes times_;
  std::size_t finished_ = 0;
  std::unordered_multimap<std::uint64_t, LoweredCollective> lowered_;  // by collective_hash()
  std::vector<std::unique_ptr<RunningCollective>> running_;
  std::vector<std::size_t> free_running_;
};

}  // namespace orrery::exec
