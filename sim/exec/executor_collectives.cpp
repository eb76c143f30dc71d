// The executor's collective tasks: lowering (with the `auto` tuner) and the
// run of a plan's transfers, each released when its dependencies have ended.
#include <fmt/format.h>

#include "sim/exec/collective_lowering.hpp"
#include "sim/exec/executor.hpp"

namespace orrery::exec {

using task::CollectiveWork;

// Interned at a plan's first start (a plan may be lowered earlier, by the
// lowering's pricer), so that /names lists names in the order runs first use them.
std::int32_t Executor::transfer_span_name(const CollectiveWork& c, const LoweredPlan& low) {
  const auto [it, added] = transfer_span_names_.try_emplace(low.plan.get(), -1);
  if (added) it->second = sink_.intern(fmt::format("{} {}", name_of(c.op), low.algorithm));
  return it->second;
}

void Executor::start_collective(TaskId t, const CollectiveWork& c) {
  const LoweredPlan& low = plans_->get(c);
  const models::CollectivePlan& plan = *low.plan;
  task::CollectiveRecord& record = times_.collectives[t.value()];
  record.algorithm = low.algorithm;
  record.bytes = low.bytes.count();
  record.transfers = static_cast<std::int64_t>(plan.transfers.size());
  record.predicted = low.predicted;
  if (plan.transfers.empty()) {  // one rank: nothing to move
    engine_.schedule_after(Duration{}, [this, t] { finish(t); });
    return;
  }
  std::size_t slot;
  if (free_running_.empty()) {
    slot = running_.size();
    running_.emplace_back();
  } else {
    slot = free_running_.back();
    free_running_.pop_back();
  }
  auto r = std::make_unique<RunningCollective>();
  r->task = t;
  r->plan = low.plan;
  r->group = &c.group;
  r->left = plan.transfers.size();
  r->waiting.resize(plan.transfers.size());
  for (std::size_t i = 0; i < plan.transfers.size(); ++i)
    r->waiting[i] = static_cast<std::int32_t>(plan.transfers[i].dep_count);
  r->started.resize(plan.transfers.size());
  r->span_name = transfer_span_name(c, low);
  running_[slot] = std::move(r);
  for (std::size_t i = 0; i < plan.transfers.size(); ++i) {
    if (plan.transfers[i].dep_count == 0) start_transfer(slot, static_cast<std::int32_t>(i));
  }
}

void Executor::start_transfer(std::size_t slot, std::int32_t i) {
  RunningCollective& r = *running_[slot];
  const models::PlanTransfer& x = r.plan->transfers[static_cast<std::size_t>(i)];
  r.started[static_cast<std::size_t>(i)] = engine_.now().ns();
  network_.transfer((*r.group)[static_cast<std::size_t>(x.src)], (*r.group)[static_cast<std::size_t>(x.dst)],
                    x.bytes, [this, slot, i] { transfer_done(slot, i); });
}

void Executor::transfer_done(std::size_t slot, std::int32_t i) {
  RunningCollective& r = *running_[slot];
  const models::CollectivePlan& plan = *r.plan;
  const auto u = static_cast<std::size_t>(i);
  const models::PlanTransfer& x = plan.transfers[u];
  sink_.span(trace::Span{r.started[u], engine_.now().ns(), (*r.group)[static_cast<std::size_t>(x.src)].value(),
                         static_cast<std::int8_t>(task::TaskKind::kSend), r.span_name, -1, x.step,
                         x.bytes.count()});
  for (const auto s : plan.successors_of(u)) {
    if (--r.waiting[static_cast<std::size_t>(s)] == 0) start_transfer(slot, s);
  }
  if (--r.left == 0) {
    const TaskId t = r.task;
    running_[slot].reset();
    free_running_.push_back(slot);
    finish(t);
  }
}

}  // namespace orrery::exec
