#include "sim/exec/executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "sim/core/error.hpp"
#include "sim/exec/collective_lowering.hpp"

namespace orrery::exec {

using task::CollectiveWork;
using task::ComputeWork;
using task::DelayWork;
using task::Task;
using task::TransferWork;

Executor::Executor(sim::Engine& engine, const Cluster& cluster, NetworkService& network,
                   const task::TaskGraph& graph, trace::SpanSink* sink,
                   const models::CollectiveLibrary* collectives, CollectivePlans* plans)
    : engine_(engine),
      cluster_(cluster),
      network_(network),
      graph_(graph),
      sink_(sink ? *sink : trace::null_sink()),
      collectives_(plans ? &plans->library() : collectives),
      plans_(plans),
      device_busy_(static_cast<std::size_t>(cluster.device_count()), false),
      device_queue_(static_cast<std::size_t>(cluster.device_count())),
      memory_(static_cast<std::size_t>(cluster.device_count())),
      instants_(static_cast<std::size_t>(cluster.device_count())) {
  if (graph.needs_pricing()) throw std::logic_error("executor: the task graph was not priced (exec::price)");
  records_spans_ = sink != nullptr;
  if (!plans_ && collectives_) {
    own_plans_ = std::make_unique<CollectivePlans>(cluster_, *collectives_);
    plans_ = own_plans_.get();
  }
  span_names_.reserve(graph_.names().size());
  for (const auto& n : graph_.names()) span_names_.push_back(sink_.intern(n));
  memory_counter_ = sink_.intern("memory");
}

task::TaskTimes Executor::run() {
  const std::size_t n = graph_.size();
  fixed_ = n;
  times_.start.assign(n, Time::zero());
  times_.end.assign(n, Time::zero());
  done_.assign(n, false);
  waiting_.clear();
  for (const auto& e : graph_.initial_memory()) apply(e);
  hot_.resize(n);
  successor_rows_ = graph_.successor_rows();
  effect_rows_ = graph_.effect_rows();
  for (std::size_t i = 0; i < n; ++i) {
    check_task(i);
    const TaskId t(static_cast<std::int32_t>(i));
    HotTask& h = hot_[i];
    h = hot_of(graph_.tasks()[i]);
    h.waiting = graph_.predecessor_count(t);
    const auto effects = graph_.memory_effects(t);
    h.effects = static_cast<std::uint32_t>(effects.data() - effect_rows_);
    h.effect_count = static_cast<std::uint8_t>(std::min<std::size_t>(effects.size(), kManyEffects)) & kManyEffects;
    keep_successors(h, i, graph_.successors(t), successor_rows_);
  }
  if (event_budget_ > 0) check_events();
  if (mirror_ && !network_.contention_free()) {
    throw std::logic_error("executor: a mirrored graph needs a contention-free network");
  }
  // Tasks with no predecessors start at time zero, in task order; then the
  // sources begin.
  engine_.schedule_at(engine_.now(), [this, n] {
    for (std::size_t i = 0; i < n; ++i) {
      if (hot_[i].waiting == 0) ready(TaskId(static_cast<std::int32_t>(i)));
    }
    begin_sources();
  });
  engine_.run();
  for (std::size_t d = 0; d < memory_.size(); ++d) instants_[d].settle(memory_[d]);
  // The fixed graph's spans, reported in task order once the run is over:
  // reading each Task as it finishes (96 bytes, in finishing order) was a
  // cache miss per task, most of what recording cost.
  if (records_spans_) {
    for (std::size_t i = 0; i < n; ++i) {
      if (done_[i]) report(TaskId(static_cast<std::int32_t>(i)));
    }
  }
  const std::size_t total = n + submitted_.size();
  if (finished_ != total) {
    for (std::size_t i = 0; i < total; ++i) {
      if (waiting_of(i) > 0) {
        const Task& t = task_at(TaskId(static_cast<std::int32_t>(i)));
        throw InfeasibleError(fmt::format(
            "{} of {} tasks can never start (a dependency cycle), e.g. '{}' (micro-batch {}, stage {})", total - finished_,
            total, name_at(t.name), t.micro_batch, t.stage));
      }
    }
  }
  times_.makespan = Time::zero();
  for (const Time& e : times_.end) times_.makespan = std::max(times_.makespan, e);
  return times_;
}

void Executor::begin_sources() {
  for (TaskSource* source : sources_) {
    submitting_ = source;
    source->begin(*this);
  }
  submitting_ = nullptr;
}

std::int32_t Executor::intern_submitted(std::string_view name) {
  const auto [it, added] = submitted_name_index_.try_emplace(
      std::string(name), static_cast<std::int32_t>(graph_.names().size() + submitted_names_.size()));
  if (added) {
    submitted_names_.emplace_back(name);
    span_names_.push_back(sink_.intern(name));
  }
  return it->second;
}

TaskId Executor::submit(task::Work work, task::TaskKind kind, std::string_view name, std::span<const TaskId> after,
                        std::span<const task::MemoryEffect> on_end, int micro_batch, int stage) {
  const std::size_t i = fixed_ + submitted_.size();
  const TaskId id(static_cast<std::int32_t>(i));
  SubmittedTask& s = submitted_.emplace_back();
  s.task.work = std::move(work);
  s.task.kind = kind;
  s.task.name = intern_submitted(name);
  s.task.micro_batch = micro_batch;
  s.task.stage = stage;
  s.on_end.assign(on_end.begin(), on_end.end());
  s.source = submitting_;
  times_.start.push_back(Time::zero());
  times_.end.push_back(Time::zero());
  done_.push_back(false);
  waiting_.push_back(0);
  try {
    check_task(i);
    const auto* c = std::get_if<ComputeWork>(&s.task.work);
    const auto* d = std::get_if<DelayWork>(&s.task.work);
    if ((c && (c->cost >= 0 || c->head_cost >= 0 || c->tail_cost >= 0)) || (d && d->path != task::HostPath::kNone)) {
      throw InfeasibleError(fmt::format("task '{}' names a cost entry or a host path: submitted work carries its "
                                        "times (the pricing pass prices the fixed graph)", name));
    }
    for (TaskId p : after) {
      if (p.value() < 0 || static_cast<std::size_t>(p.value()) >= i) {
        throw InfeasibleError(fmt::format("task '{}' waits for task {}, which does not exist yet", name, p.value()));
      }
    }
  } catch (...) {
    submitted_.pop_back();
    times_.start.pop_back();
    times_.end.pop_back();
    done_.pop_back();
    waiting_.pop_back();
    throw;
  }
  for (TaskId p : after) {
    if (done_[static_cast<std::size_t>(p.value())]) continue;
    later_successors_[p.value()].push_back(id);
    ++waiting_of(i);
  }
  if (waiting_of(i) == 0) ready(id);
  return id;
}

void Executor::wake_at(Time t, std::function<void()> wake) {
  const std::size_t k = wakes_.size();
  wakes_.emplace_back(submitting_, std::move(wake));
  engine_.schedule_at(t, [this, k] {
    auto [source, call] = std::move(wakes_[k]);
    wakes_[k].second = nullptr;
    TaskSource* const outer = submitting_;
    submitting_ = source;
    call();
    submitting_ = outer;
  });
}

void Executor::release_later(TaskId t) {
  const auto it = later_successors_.find(t.value());
  if (it == later_successors_.end()) return;
  const std::vector<TaskId> waiting = std::move(it->second);
  later_successors_.erase(it);
  for (TaskId s : waiting) {
    if (--waiting_of(static_cast<std::size_t>(s.value())) == 0) ready(s);
  }
}

void Executor::keep_successors(HotTask& h, std::size_t i, std::span<const TaskId> successors,
                               const TaskId* rows) {
  const bool next_first = !successors.empty() && successors[0].value() == static_cast<std::int64_t>(i) + 1;
  const std::span<const TaskId> others = successors.subspan(next_first ? 1 : 0);
  // The second other's place: a compute, delay or collective task's unused
  // `peer`, a transfer's `effects` when it has none.
  const bool room =
      others.size() <= 1 || (others.size() == 2 && (h.work != kHotTransfer || h.effect_count == 0));
  if (!room) {
    h.successors = static_cast<std::uint32_t>(successors.data() - rows);
    h.successor_count =
        successors.size() < kNextFirst ? static_cast<std::uint16_t>(successors.size()) : kManyRows;
    return;
  }
  if (!others.empty()) h.successors = static_cast<std::uint32_t>(others[0].value());
  if (others.size() == 2) {
    if (h.work == kHotTransfer) {
      h.effects = static_cast<std::uint32_t>(others[1].value());
    } else {
      h.peer = others[1].value();
    }
  }
  h.successor_count = static_cast<std::uint16_t>(kInlineRows | (next_first ? kNextFirst : 0) | others.size());
}

Executor::HotTask Executor::hot_of(const Task& task) {
  static_assert(std::is_same_v<std::variant_alternative_t<kHotCompute, task::Work>, ComputeWork> &&
                std::is_same_v<std::variant_alternative_t<kHotTransfer, task::Work>, TransferWork> &&
                std::is_same_v<std::variant_alternative_t<kHotCollective, task::Work>, CollectiveWork> &&
                std::is_same_v<std::variant_alternative_t<kHotDelay, task::Work>, DelayWork>);
  HotTask h;
  h.not_before = task.not_before > Time::zero();
  h.work = static_cast<HotWork>(task.work.index());
  if (const auto* c = std::get_if<ComputeWork>(&task.work)) {
    h.amount = (c->head + c->duration + c->tail).count();
    h.device = c->device.value();
  } else if (const auto* x = std::get_if<TransferWork>(&task.work)) {
    h.amount = x->bytes.count();
    h.device = x->src.value();
    h.peer = x->dst.value();
  } else if (const auto* w = std::get_if<DelayWork>(&task.work)) {
    h.amount = w->duration.count();
    h.device = w->device.value();
  }
  return h;
}

void Executor::ready(TaskId t) {
  const auto i = static_cast<std::size_t>(t.value());
  const HotTask h = i < fixed_ ? hot_[i] : hot_of(task_at(t));
  if (h.not_before && task_at(t).not_before > engine_.now()) {
    engine_.schedule_at(task_at(t).not_before, [this, t] { ready(t); });
    return;
  }
  if (h.work == kHotCompute) {
    const auto d = static_cast<std::size_t>(h.device);
    if (device_busy_[d]) {
      device_queue_[d].push_back(t);
      return;
    }
    device_busy_[d] = true;
  }
  start(t);
}

void Executor::start(TaskId t) {
  const auto i = static_cast<std::size_t>(t.value());
  times_.start[i] = engine_.now();
  const HotTask h = i < fixed_ ? hot_[i] : hot_of(task_at(t));
  switch (h.work) {
    case kHotCompute:
    case kHotDelay:
      engine_.schedule_after(Duration::ns(h.amount), [this, t] { finish(t); });
      return;
    case kHotTransfer: {
      const DeviceId src(h.device), dst(h.peer);
      const Bytes bytes(h.amount);
      network_.transfer(src, dst, bytes, [this, t] { finish(t); });
      // The other replicas' copies of this send, at the same times (their
      // class has the same signature); none without the replica reduction.
      const CopiedTransfer* copies = send_copies(src, dst, bytes);
      // Sends of different tasks on one link at once, each timed alone (Executor::oversubscription).
      if (send_visits_left_ > 0 && network_.contention_free()) check_send_overlap(src, dst, bytes, copies);
      if (copies) {
        for (std::size_t j = 0; j < copies->loads.size(); ++j)
          network_.add_loads(copies->loads[j], engine_.now(), engine_.now() + Duration::ns(copies->took[j]));
      }
      return;
    }
    case kHotCollective:
      start_collective(t, std::get<CollectiveWork>(task_at(t).work));
      return;
  }
}

void Executor::finish(TaskId t) {
  const auto i = static_cast<std::size_t>(t.value());
  const HotTask h = i < fixed_ ? hot_[i] : hot_of(task_at(t));
  // The successors' counters are scattered over the graph: ask for their
  // cache lines now, so that the misses overlap the work below.
  std::array<TaskId, 3> kept;
  const std::span<const TaskId> successors =
      i < fixed_ ? successors_of(i, h, kept) : std::span<const TaskId>{};
  for (TaskId s : successors) __builtin_prefetch(&hot_[static_cast<std::size_t>(s.value())], 1);
  times_.end[i] = engine_.now();
  done_[i] = true;
  ++finished_;
  if (progress_ && ((finished_ & 4095) == 0 || finished_ == fixed_ + submitted_.size())) {
    progress_("iteration", static_cast<double>(finished_) / static_cast<double>(fixed_ + submitted_.size()));
  }
  apply(i < fixed_ ? fixed_effects_of(i, h) : effects_of(t));
  if (records_spans_ && i >= fixed_) report(t);  // the fixed graph's: after the run (run())
  // Free the device before releasing successors, so a successor on the same
  // device can start at once.
  if (h.work == kHotCompute) {
    const auto d = static_cast<std::size_t>(h.device);
    if (device_queue_[d].empty()) {
      device_busy_[d] = false;
    } else {
      const TaskId next = device_queue_[d].front();
      device_queue_[d].pop_front();
      start(next);
    }
  }
  for (TaskId s : successors) {
    if (--hot_[static_cast<std::size_t>(s.value())].waiting == 0) ready(s);
  }
  if (!later_successors_.empty()) release_later(t);
  if (i >= fixed_) {
    if (TaskSource* source = submitted_[i - fixed_].source) {
      TaskSource* const outer = submitting_;
      submitting_ = source;
      source->finished(*this, t);
      submitting_ = outer;
    }
  }
}

// The spans of a finished task: its own, and the head and tail collectives of
// a compute task as spans of their own around the compute.
void Executor::report(TaskId t) {
  const auto i = static_cast<std::size_t>(t.value());
  const Task& task = task_at(t);
  std::int32_t device = -1;
  std::int64_t bytes = 0;
  std::int64_t start = times_.start[i].ns();
  std::int64_t end = times_.end[i].ns();
  if (const auto* c = std::get_if<ComputeWork>(&task.work)) {
    device = c->device.value();
    const auto kCollective = static_cast<std::int8_t>(task::TaskKind::kCollective);
    if (c->head > Duration{}) {
      sink_.span(trace::Span{start, start + c->head.count(), device, kCollective,
                             span_names_[static_cast<std::size_t>(c->head_name)], task.micro_batch, task.stage,
                             c->head_bytes});
      start += c->head.count();
    }
    if (c->tail > Duration{}) {
      sink_.span(trace::Span{end - c->tail.count(), end, device, kCollective,
                             span_names_[static_cast<std::size_t>(c->tail_name)], task.micro_batch, task.stage,
                             c->tail_bytes});
      end -= c->tail.count();
    }
  }
  if (const auto* x = std::get_if<TransferWork>(&task.work)) {
    device = x->src.value();
    bytes = x->bytes.count();
  }
  if (const auto* k = std::get_if<CollectiveWork>(&task.work)) {
    device = k->group.front().value();
    bytes = times_.collectives[t.value()].bytes;
  }
  if (const auto* w = std::get_if<DelayWork>(&task.work)) {
    device = w->device.value();
    bytes = w->bytes.count();
  }
  sink_.span(trace::Span{start, end, device, static_cast<std::int8_t>(task.kind),
                         span_names_[static_cast<std::size_t>(task.name)], task.micro_batch, task.stage, bytes});
}

}  // namespace orrery::exec
