#include "workloads/task_graph.hpp"

#include <array>

namespace orrery::workload {

std::string_view name_of(TaskKind k) {
  static constexpr std::array<std::string_view, kTaskKindCount> kNames{
      "forward", "backward", "weight_grad", "compute", "send", "collective", "optimizer", "checkpoint", "failure", "other"};
  return kNames[static_cast<std::size_t>(k)];
}

std::string_view name_of(MemoryCategory c) {
  static constexpr std::array<std::string_view, kMemoryCategoryCount> kNames{"parameters", "gradients", "optimizer",
                                                                             "activations", "buffers"};
  return kNames[static_cast<std::size_t>(c)];
}

std::int32_t TaskGraph::intern(std::string_view name) {
  auto [it, inserted] = name_index_.try_emplace(std::string(name), static_cast<std::int32_t>(names_.size()));
  if (inserted) names_.emplace_back(name);
  return it->second;
}

TaskId TaskGraph::add(Work work, TaskKind kind, std::string_view name, int micro_batch, int stage) {
  const TaskId id(static_cast<std::int32_t>(tasks_.size()));
  tasks_.push_back(Task{work, kind, intern(name), micro_batch, stage});
  succs_.emplace_back();
  preds_.push_back(0);
  effects_.emplace_back();
  return id;
}

void TaskGraph::depend(TaskId before, TaskId after) {
  succs_[static_cast<std::size_t>(before.value())].push_back(after);
  ++preds_[static_cast<std::size_t>(after.value())];
}

void TaskGraph::on_end(TaskId task, MemoryEffect effect) {
  effects_[static_cast<std::size_t>(task.value())].push_back(effect);
}

std::span<const TaskId> TaskGraph::successors(TaskId id) const { return succs_[static_cast<std::size_t>(id.value())]; }

std::span<const MemoryEffect> TaskGraph::memory_effects(TaskId id) const {
  return effects_[static_cast<std::size_t>(id.value())];
}

}  // namespace orrery::workload
