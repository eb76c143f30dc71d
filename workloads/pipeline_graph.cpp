#include "workloads/pipeline_graph.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace orrery::workload {

namespace {

std::vector<int> first_ids(int n) {
  std::vector<int> ids(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = i;
  return ids;
}

}  // namespace

PipelineGraph::PipelineGraph(const Schedule& schedule, const PipelineShape& shape,
                             std::vector<std::vector<PipeOp>> order, int replicas)
    : PipelineGraph(schedule, shape, std::move(order), first_ids(replicas)) {}

PipelineGraph::PipelineGraph(const Schedule& schedule, const PipelineShape& shape,
                             std::vector<std::vector<PipeOp>> order, std::vector<int> replicas)
    : schedule_(schedule),
      shape_(shape),
      replicas_(std::move(replicas)),
      split_(schedule.splits_backward()),
      order_(std::move(order)) {
  slot_.assign(replicas_.empty() ? 0 : static_cast<std::size_t>(replicas_.back()) + 1, -1);
  for (std::size_t i = 0; i < replicas_.size(); ++i) slot_[static_cast<std::size_t>(replicas_[i])] = static_cast<int>(i);
  const int p = shape_.stages;
  const int v = shape_.chunks;
  if (static_cast<int>(order_.size()) != p) {
    throw std::logic_error(fmt::format("schedule '{}' gives {} device orders for {} stages", schedule_.name(),
                                       order_.size(), p));
  }
  // Schedule::device_of must map each chunk's positions one-to-one onto the devices.
  device_of_.assign(static_cast<std::size_t>(p * v), -1);
  position_.assign(static_cast<std::size_t>(p * v), -1);
  for (int c = 0; c < v; ++c) {
    for (int i = 0; i < p; ++i) {
      const int d = schedule_.device_of(c, i, p);
      if (d < 0 || d >= p || position_[static_cast<std::size_t>(c * p + d)] >= 0) {
        throw std::logic_error(fmt::format(
            "schedule '{}' maps chunk {} onto devices other than one per position", schedule_.name(), c));
      }
      position_[static_cast<std::size_t>(c * p + d)] = i;
      device_of_[static_cast<std::size_t>(c * p + i)] = d;
    }
  }
  for (PipeOpType t : {PipeOpType::kForward, PipeOpType::kBackward, PipeOpType::kWeight}) {
    for (int c = 0; c < v; ++c) {
      names_[static_cast<std::size_t>(t)].push_back(v > 1 ? fmt::format("{} c{}", letter(t), c)
                                                          : std::string(letter(t)));
    }
  }
}

void PipelineGraph::build(TaskGraph& g, PipelineTaskMaker& maker) {
  const std::size_t per_replica =
      3 * static_cast<std::size_t>(shape_.micro_batches) * static_cast<std::size_t>(virtual_stages());
  tasks_.assign(per_replica * replicas_.size(), TaskId{});
  entry_.assign(tasks_.size(), TaskId{});
  next_.assign(tasks_.size(), TaskId{});
  last_.assign(3 * static_cast<std::size_t>(virtual_stages()) * replicas_.size(), TaskId{});
  for (auto& ids : name_ids_) ids.assign(static_cast<std::size_t>(shape_.chunks), -1);
  send_name_ids_ = {-1, -1};
  if (replicas_.empty()) return;
  const int first = replicas_.front();
  std::vector<std::vector<std::int32_t>> devices(replicas_.size());
  for (std::size_t i = 1; i < replicas_.size(); ++i) devices[i] = maker.replica_devices(first, replicas_[i]);

  const TaskGraph::Mark ops_from = g.mark();
  add_operations(g, maker, first);
  const TaskGraph::Mark ops_to = g.mark();
  std::vector<TaskGraph::CopiedRange> ops(replicas_.size());  // per copied replica: where its operations went
  for (std::size_t i = 1; i < replicas_.size(); ++i) {
    if (devices[i].empty()) {
      add_operations(g, maker, replicas_[i]);
      continue;
    }
    const TaskId copy = g.copy_block(ops_from, ops_to, devices[i]);
    ops[i] = {static_cast<std::int32_t>(ops_from.tasks), static_cast<std::int32_t>(ops_to.tasks),
              copy.value()};
    copy_operations(first, replicas_[i], copy.value() - ops[i].begin);
  }

  const TaskGraph::Mark flow_from = g.mark();
  add_data_flow(g, maker, first);
  const TaskGraph::Mark flow_to = g.mark();
  for (std::size_t i = 1; i < replicas_.size(); ++i) {
    if (devices[i].empty()) {
      add_data_flow(g, maker, replicas_[i]);
    } else {
      (void)g.copy_block(flow_from, flow_to, devices[i], std::span(&ops[i], 1));
    }
  }
}

void PipelineGraph::copy_operations(int first, int replica, std::int32_t shift) {
  const auto moved = [shift](TaskId t) { return t.valid() ? TaskId(t.value() + shift) : t; };
  const std::size_t per_replica = tasks_.size() / replicas_.size();
  const std::size_t from = slot(first) * per_replica;
  const std::size_t to = slot(replica) * per_replica;
  for (std::size_t k = 0; k < per_replica; ++k) {
    tasks_[to + k] = moved(tasks_[from + k]);
    entry_[to + k] = moved(entry_[from + k]);
    next_[to + k] = moved(next_[from + k]);
  }
  const std::size_t lasts = 3 * static_cast<std::size_t>(virtual_stages());
  for (std::size_t k = 0; k < lasts; ++k)
    last_[slot(replica) * lasts + k] = moved(last_[slot(first) * lasts + k]);
}

// One task per operation, created in each device's order and chained in it.
void PipelineGraph::add_operations(TaskGraph& g, PipelineTaskMaker& maker, int replica) {
  const int p = shape_.stages;
  std::size_t added = 0;
  for (int s = 0; s < p; ++s) {
    TaskId prev;
    std::size_t prev_index = 0;
    for (const PipeOp& o : order_[static_cast<std::size_t>(s)]) {
      const bool valid = o.chunk >= 0 && o.chunk < shape_.chunks && o.micro_batch >= 0 &&
                         o.micro_batch < shape_.micro_batches && (split_ || o.type != PipeOpType::kWeight);
      const int vs = valid ? virtual_stage(o.chunk, s) : -1;
      if (!valid || task(replica, o.type, o.micro_batch, vs).valid()) {
        throw std::logic_error(
            fmt::format("schedule '{}' gives stage {} an invalid or repeated {} of micro-batch {}, chunk {}",
                        schedule_.name(), s, letter(o.type), o.micro_batch, o.chunk));
      }
      const PlacedOp placed{o, replica, s, vs};
      const int pieces = maker.pieces(placed);
      TaskId first, t;
      DeviceId dev;
      for (int j = 0; j < pieces; ++j) {
        const ComputeWork work = pieces == 1 ? maker.compute(g, placed) : maker.compute_piece(g, placed, j);
        dev = work.device;
        // Its name after the work: the maker may intern names of its own, and
        // the table keeps the order of first use.
        const TaskId x = g.add(work, task_kind(o.type), name_id(g, o.type, o.chunk), o.micro_batch, s);
        if (!t.valid()) {
          first = x;
        } else if (x.value() != t.value() + 1) {  // pieces() reads them back as consecutive ids
          throw std::logic_error("a pipeline maker added tasks between the pieces of an operation");
        } else {
          g.depend(t, x);
        }
        t = x;
      }
      const Bytes act = maker.activations(vs);
      if (act > Bytes(0) && o.type == PipeOpType::kForward)
        g.on_end(t, MemoryEffect{dev, MemoryCategory::kActivations, act});
      if (act > Bytes(0) && o.type == frees())
        g.on_end(t, MemoryEffect{dev, MemoryCategory::kActivations, Bytes(0) - act});
      const std::size_t at = index(replica, o.type, o.micro_batch, vs);
      if (prev.valid()) {
        g.depend(prev, first);
        next_[prev_index] = first;
      }
      prev = t;
      prev_index = at;
      tasks_[at] = t;
      entry_[at] = first;
      last_[(slot(replica) * 3 + static_cast<std::size_t>(o.type)) *
                static_cast<std::size_t>(virtual_stages()) +
            static_cast<std::size_t>(vs)] = t;
      ++added;
    }
  }
  const std::size_t expected = static_cast<std::size_t>(shape_.micro_batches) *
                               static_cast<std::size_t>(virtual_stages()) * (split_ ? 3 : 2);
  if (added != expected) {
    throw std::logic_error(
        fmt::format("schedule '{}' orders {} operations, not the {} of {} micro-batches on {} virtual stages",
                    schedule_.name(), added, expected, shape_.micro_batches, virtual_stages()));
  }
}

void PipelineGraph::add_data_flow(TaskGraph& g, const PipelineTaskMaker& maker, int replica) {
  const int last = virtual_stages() - 1;
  for (int mb = 0; mb < shape_.micro_batches; ++mb) {
    for (int vs = 0; vs <= last; ++vs) {
      const TaskId f = task(replica, PipeOpType::kForward, mb, vs);
      const TaskId b = task(replica, PipeOpType::kBackward, mb, vs);
      g.depend(f, entry(replica, PipeOpType::kBackward, mb, vs));
      if (split_) g.depend(b, entry(replica, PipeOpType::kWeight, mb, vs));
      if (vs == last) continue;
      const int here = device_of(vs);
      const int next = device_of(vs + 1);
      if (here == next) {
        g.depend(f, entry(replica, PipeOpType::kForward, mb, vs + 1));
        g.depend(task(replica, PipeOpType::kBackward, mb, vs + 1), entry(replica, PipeOpType::kBackward, mb, vs));
        continue;
      }
      add_send(g, maker, PipelineSend{replica, mb, here, next, false}, index(replica, PipeOpType::kForward, mb, vs),
               index(replica, PipeOpType::kForward, mb, vs + 1));
      add_send(g, maker, PipelineSend{replica, mb, next, here, true}, index(replica, PipeOpType::kBackward, mb, vs + 1),
               index(replica, PipeOpType::kBackward, mb, vs));
    }
  }
}

void PipelineGraph::add_send(TaskGraph& g, const PipelineTaskMaker& maker, const PipelineSend& send,
                             std::size_t after, std::size_t before) {
  const TaskId x = g.add(maker.send(send), TaskKind::kSend, send_name_id(g, send.gradients), send.micro_batch,
                         send.from_stage);
  g.depend(tasks_[after], x);
  g.depend(x, entry_[before]);
  // A synchronous sender starts its next operation once the send is done.
  if (maker.synchronous_sends() && next_[after].valid()) g.depend(x, next_[after]);
}

task::TaskName PipelineGraph::name_id(TaskGraph& g, PipeOpType type, int chunk) {
  std::int32_t& id = name_ids_[static_cast<std::size_t>(type)][static_cast<std::size_t>(chunk)];
  if (id < 0) id = g.intern(names_[static_cast<std::size_t>(type)][static_cast<std::size_t>(chunk)]);
  return task::TaskName{id};
}

task::TaskName PipelineGraph::send_name_id(TaskGraph& g, bool gradients) {
  std::int32_t& id = send_name_ids_[gradients ? 1 : 0];
  if (id < 0) id = g.intern(gradients ? "send gradients" : "send activations");
  return task::TaskName{id};
}

std::vector<TaskId> PipelineGraph::pieces(int replica, PipeOpType type, int micro_batch, int virtual_stage) const {
  const std::size_t i = index(replica, type, micro_batch, virtual_stage);
  std::vector<TaskId> out;
  // The pieces were added one after another: consecutive task ids.
  for (std::int32_t id = entry_[i].value(); id <= tasks_[i].value(); ++id) out.emplace_back(id);
  return out;
}

}  // namespace orrery::workload
