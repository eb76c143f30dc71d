#include "workloads/task_graph.hpp"

#include <array>

namespace orrery::workload {

std::string_view name_of(TaskKind k) {
  static constexpr std::array<std::string_view, kTaskKindCount> kNames{
      "forward", "backward", "weight_grad", "compute", "send", "collective", "optimizer", "checkpoint", "failure", "other"};
  return kNames[static_cast<std::size_t>(k)];
}

namespace {
constexpr std::array<std::string_view, kCollectiveOpCount> kOpNames{
    "all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce", "sparse_all_reduce"};
}  // namespace

std::string_view name_of(CollectiveOp op) { return kOpNames[static_cast<std::size_t>(op)]; }

std::optional<CollectiveOp> collective_op(std::string_view name) {
  for (std::size_t i = 0; i < kOpNames.size(); ++i)
    if (kOpNames[i] == name) return static_cast<CollectiveOp>(i);
  return std::nullopt;
}

std::vector<std::string> collective_op_names() { return {kOpNames.begin(), kOpNames.end()}; }

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
  tasks_.push_back(Task{std::move(work), kind, intern(name), micro_batch, stage, Time::zero()});
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
