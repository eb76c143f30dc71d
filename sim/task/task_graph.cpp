#include "sim/task/task_graph.hpp"

#include <array>

namespace orrery::task {

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

Interned<std::string> auto_algorithm() {
  static const Interned<std::string> kAuto("auto");
  return kAuto;
}

std::string_view name_of(MemoryCategory c) {
  static constexpr std::array<std::string_view, kMemoryCategoryCount> kNames{"parameters", "gradients", "optimizer",
                                                                             "activations", "buffers"};
  return kNames[static_cast<std::size_t>(c)];
}

std::int32_t TaskGraph::intern(std::string_view name) {
  if (const auto found = name_index_.find(name); found != name_index_.end()) return found->second;
  auto [it, inserted] = name_index_.try_emplace(std::string(name), static_cast<std::int32_t>(names_.size()));
  if (inserted) names_.emplace_back(name);
  return it->second;
}

std::int32_t TaskGraph::add_cost(ComputeCost cost) {
  costs_.push_back(std::move(cost));
  return static_cast<std::int32_t>(costs_.size() - 1);
}

std::int32_t TaskGraph::add_group_cost(GroupCost cost) {
  group_costs_.push_back(std::move(cost));
  return static_cast<std::int32_t>(group_costs_.size() - 1);
}

TaskId TaskGraph::add(Work work, TaskKind kind, std::string_view name, int micro_batch, int stage) {
  return add(std::move(work), kind, TaskName{intern(name)}, micro_batch, stage);
}

TaskId TaskGraph::add(Work work, TaskKind kind, TaskName name, int micro_batch, int stage) {
  const TaskId id(static_cast<std::int32_t>(tasks_.size()));
  if (const auto* c = std::get_if<ComputeWork>(&work)) {
    if (c->cost >= 0 || c->head_cost >= 0 || c->tail_cost >= 0) needs_pricing_ = true;
  } else if (const auto* d = std::get_if<DelayWork>(&work)) {
    if (d->path != HostPath::kNone) needs_pricing_ = true;
  }
  tasks_.push_back(Task{std::move(work), kind, name.id, micro_batch, stage, Time::zero()});
  preds_.push_back(0);
  built_ = false;
  return id;
}

void TaskGraph::reserve(std::size_t tasks, std::size_t edges, std::size_t effects) {
  tasks_.reserve(tasks);
  preds_.reserve(tasks);
  edges_.reserve(edges);
  effects_.reserve(effects);
}

void TaskGraph::depend(TaskId before, TaskId after) {
  edges_.emplace_back(before, after);
  ++preds_[static_cast<std::size_t>(after.value())];
  built_ = false;
}

void TaskGraph::on_end(TaskId task, MemoryEffect effect) {
  effects_.emplace_back(task, effect);
  built_ = false;
}

// Counting sort by source task, keeping each task's edges (and effects) in the
// order they were given.
void TaskGraph::build() const {
  const std::size_t n = tasks_.size();
  const auto rows = [n](const auto& pairs, std::vector<std::uint32_t>& offset, auto& out) {
    offset.assign(n + 1, 0);
    for (const auto& e : pairs) ++offset[static_cast<std::size_t>(e.first.value()) + 1];
    for (std::size_t i = 0; i < n; ++i) offset[i + 1] += offset[i];
    out.resize(pairs.size());
    std::vector<std::uint32_t> fill(offset.begin(), offset.end() - 1);
    for (const auto& e : pairs) out[fill[static_cast<std::size_t>(e.first.value())]++] = e.second;
  };
  rows(edges_, succ_offset_, succ_);
  rows(effects_, effect_offset_, effect_);
  built_ = true;
}

}  // namespace orrery::task
