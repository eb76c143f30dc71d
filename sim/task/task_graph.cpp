#include "sim/task/task_graph.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

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

namespace {

[[noreturn]] [[gnu::noinline]] void no_copy(const char* what, std::int32_t id) {
  throw std::logic_error(fmt::format("copy_block: {} {} has no copy", what, id));
}

DeviceId copied_device(std::span<const std::int32_t> device, DeviceId d) {
  const auto i = static_cast<std::size_t>(d.value());
  if (i >= device.size() || device[i] < 0) no_copy("device", d.value());  // a negative id wraps past the end
  return DeviceId(device[i]);
}

}  // namespace

TaskId TaskGraph::copy_block(Mark from, Mark to, std::span<const std::int32_t> device,
                             std::span<const CopiedRange> earlier) {
  if (from.tasks > to.tasks || to.tasks > tasks_.size() || from.edges > to.edges ||
      to.edges > edges_.size() || from.effects > to.effects || to.effects > effects_.size()) {
    throw std::logic_error("copy_block: the marks do not bound a block of this graph");
  }
  const auto first = static_cast<std::int32_t>(tasks_.size());
  const auto begin = static_cast<std::int32_t>(from.tasks);
  const auto end = static_cast<std::int32_t>(to.tasks);
  const auto moved = [&](TaskId t) {
    const std::int32_t v = t.value();
    if (v >= begin && v < end) [[likely]]
      return TaskId(v - begin + first);
    for (const CopiedRange& r : earlier)
      if (v >= r.begin && v < r.end) return TaskId(v - r.begin + r.first);
    no_copy("task", v);
  };
  // Room first: the copies are read from the same lists they are added to.
  tasks_.reserve(tasks_.size() + (to.tasks - from.tasks));
  edges_.reserve(edges_.size() + (to.edges - from.edges));
  effects_.reserve(effects_.size() + (to.effects - from.effects));
  const Mark before = mark();
  const std::size_t groups = group_costs_.size();

  // The block's group cost entries, each copied at its first use.
  std::vector<std::int32_t> group_copy(groups, -1);
  const auto copy_group = [&](std::int32_t& id) {
    if (id < 0) return;
    auto& copy = group_copy.at(static_cast<std::size_t>(id));
    if (copy < 0) {
      GroupCost moved_cost = group_costs_[static_cast<std::size_t>(id)];
      for (GroupCall& call : moved_cost.calls)
        for (DeviceId& d : call.work.group) d = copied_device(device, d);
      copy = add_group_cost(std::move(moved_cost));
    }
    id = copy;
  };
  // A refusal (a device or an edge's end with no copy) leaves the graph as it was.
  try {
    for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
      // The copy's fields, then its work with the devices moved (assigned as
      // its alternative: no generic copy of the variant).
      const Task& t = tasks_[i];
      tasks_.push_back(Task{ComputeWork{}, t.kind, t.name, t.micro_batch, t.stage, t.not_before});
      Work& out = tasks_.back().work;
      if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
        ComputeWork w = *c;
        w.device = copied_device(device, w.device);
        copy_group(w.tail_cost);  // in the order a lowering prices them: tail, then head
        copy_group(w.head_cost);
        out = w;
      } else if (const auto* x = std::get_if<TransferWork>(&t.work)) {
        out = TransferWork{copied_device(device, x->src), copied_device(device, x->dst), x->bytes};
      } else if (const auto* d = std::get_if<DelayWork>(&t.work)) {
        DelayWork w = *d;
        w.device = copied_device(device, w.device);
        out = w;
      } else {
        CollectiveWork w = std::get<CollectiveWork>(t.work);
        for (DeviceId& g : w.group) g = copied_device(device, g);
        out = std::move(w);
      }
    }
    for (std::size_t k = from.edges; k < to.edges; ++k) {
      const auto [a, b] = edges_[k];
      edges_.emplace_back(moved(a), moved(b));
    }
    for (std::size_t k = from.effects; k < to.effects; ++k) {
      const auto [task, effect] = effects_[k];
      effects_.emplace_back(
          moved(task), MemoryEffect{copied_device(device, effect.device), effect.category, effect.delta});
    }
  } catch (const std::logic_error&) {
    tasks_.erase(tasks_.begin() + static_cast<std::ptrdiff_t>(before.tasks), tasks_.end());
    edges_.erase(edges_.begin() + static_cast<std::ptrdiff_t>(before.edges), edges_.end());
    effects_.erase(effects_.begin() + static_cast<std::ptrdiff_t>(before.effects), effects_.end());
    group_costs_.erase(group_costs_.begin() + static_cast<std::ptrdiff_t>(groups), group_costs_.end());
    throw;
  }
  preds_.resize(tasks_.size(), 0);
  for (std::size_t k = before.edges; k < edges_.size(); ++k)
    ++preds_[static_cast<std::size_t>(edges_[k].second.value())];
  built_ = false;
  return TaskId(first);
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
