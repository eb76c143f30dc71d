// The executor's collective tasks: lowering (with the `auto` tuner) and the
// run of a plan's transfers, each released when its dependencies have ended.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

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
  record.transfers = static_cast<std::int64_t>(plan.size());
  record.predicted = low.predicted;
  if (plan.empty()) {  // one rank: nothing to move
    engine_.schedule_after(Duration{}, [this, t] { finish(t); });
    return;
  }
  if (network_.contention_free() && !every_transfer_) {
    run_collective_alone(t, c, low);
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
  const std::vector<models::PlanTransfer>& transfers = plan.transfers();
  r->left = transfers.size();
  r->routes.resize(plan.shapes.size());
  r->small = true;
  r->waiting_small.resize(transfers.size());
  for (std::size_t i = 0; i < transfers.size() && r->small; ++i) {
    r->small = transfers[i].dep_count <= std::numeric_limits<std::uint8_t>::max();
    r->waiting_small[i] = static_cast<std::uint8_t>(transfers[i].dep_count);
  }
  if (!r->small) {
    r->waiting_small = {};
    r->waiting.resize(transfers.size());
    for (std::size_t i = 0; i < transfers.size(); ++i)
      r->waiting[i] = static_cast<std::int32_t>(transfers[i].dep_count);
  }
  if (records_spans_) {  // the transfers' spans
    r->started.resize(transfers.size());
    r->span_name = transfer_span_name(c, low);
  }
  // Every transfer as its own event on a contention-free network (--full):
  // the same step sharing as the plan's one-event run (shared_times).
  if (network_.contention_free()) r->shared = &timed_plan(low, c.group).path->shared;
  running_[slot] = std::move(r);
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    if (transfers[i].dep_count == 0) start_transfer(slot, static_cast<std::int32_t>(i));
  }
}

// Transfers of one step that cross a link share it. On a contention-free
// network a transfer still runs as if alone against every other task, but
// not against its own step: it takes, beyond its time alone, until the
// busiest link of its route has carried the whole step's bytes (a direct
// all-to-all's p − 1 sends leave through one device link, so each takes
// p − 1 times its own bytes' time there). Its time is then
//   alpha(route) + max over l in route of ⌈(the step's bytes on l) / beta(l)⌉,
// the step's term of the tuner's prediction (models/collective/
// collective_cost.hpp) on the transfer's own route, rounded up to whole ns
// once per link (as the flow model rounds a flow's last byte), not once per
// transfer. A step repeats its kind's shapes (CollectivePlan::step_kind), so
// each kind is summed once. `loads`: each shape's own link loads,
// loads[begin[k], begin[k + 1]).
Executor::SharedTimes Executor::shared_times(const models::CollectivePlan& plan,
                                             const std::vector<LinkLoad>& loads,
                                             const std::vector<std::uint32_t>& begin) const {
  const topo::Topology& net = cluster_.network();
  thread_local std::vector<std::int64_t> bytes;  // per link, the current kind's; all zero between kinds
  std::vector<std::int32_t> touched;
  SharedTimes out;
  for (std::size_t s = 0; s < static_cast<std::size_t>(plan.steps); ++s) {
    if (static_cast<std::size_t>(plan.step_kind[s]) != s) continue;
    const std::uint32_t first = plan.kind_begin[s];
    const std::uint32_t last = plan.kind_begin[s + 1];
    if (last - first < 2) continue;  // one transfer shares with nothing
    for (std::uint32_t e = first; e < last; ++e) {
      const auto k = static_cast<std::size_t>(plan.kind_shapes[e]);
      for (std::uint32_t j = begin[k]; j < begin[k + 1]; ++j) {
        const auto l = static_cast<std::size_t>(loads[j].link);
        if (l >= bytes.size()) bytes.resize(l + 1, 0);
        if (bytes[l] == 0) touched.push_back(loads[j].link);
        bytes[l] += loads[j].usage.bytes.count();
      }
    }
    for (std::uint32_t e = first; e < last; ++e) {
      const std::int32_t k = plan.kind_shapes[e];
      std::int64_t own = 0;
      std::int64_t step = 0;
      for (std::uint32_t j = begin[static_cast<std::size_t>(k)]; j < begin[static_cast<std::size_t>(k) + 1];
           ++j) {
        own = std::max(own, loads[j].usage.busy.count());
        const Bytes on_link(bytes[static_cast<std::size_t>(loads[j].link)]);
        step = std::max(step, transfer_time(on_link, net.link(LinkId(loads[j].link)).bandwidth).count());
      }
      if (step > own) out.emplace_back(shared_key(static_cast<std::int32_t>(s), k), step - own);
    }
    for (const std::int32_t l : touched) bytes[static_cast<std::size_t>(l)] = 0;
    touched.clear();
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());  // a shape twice in one step: the same extra
  return out;
}

std::int64_t Executor::shared_time(const SharedTimes& shared, const models::CollectivePlan& plan,
                                   std::size_t i) {
  const std::int32_t kind = plan.step_kind[static_cast<std::size_t>(plan.transfers()[i].step)];
  const std::uint64_t key = shared_key(kind, plan.shape_of[i]);
  const auto it = std::lower_bound(shared.begin(), shared.end(), std::make_pair(key, std::int64_t{0}),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return it != shared.end() && it->first == key ? it->second : 0;
}

const Executor::TimedPlan& Executor::timed_plan(const LoweredPlan& low, const std::vector<DeviceId>& group) {
  const auto [it, added] = timed_plans_.try_emplace(&low);
  TimedPlan& tp = it->second;
  if (!added) return tp;
  if (records_spans_) {
    for (std::size_t i = 0; i < low.plan->size(); ++i) {
      const DeviceId src = group[static_cast<std::size_t>(low.plan->transfers()[i].src)];
      if (sink_.keeps_spans_of(src.value())) tp.recorded.push_back(static_cast<std::int32_t>(i));
    }
  }
  const models::CollectivePlan& plan = *low.plan;
  // Each shape of transfer is timed once on the group's routes; its loads
  // count once per transfer of that shape.
  std::vector<LinkLoad> loads;
  std::vector<std::int64_t> took(plan.shapes.size());
  std::vector<LinkLoad> weighted;
  // Shape k's own loads: weighted[loads_begin[k], loads_begin[k + 1]).
  std::vector<std::uint32_t> loads_begin{0};
  for (std::size_t k = 0; k < plan.shapes.size(); ++k) {
    const models::TransferShape& x = plan.shapes[k];
    loads.clear();
    took[k] = network_.time_alone(group[static_cast<std::size_t>(x.src)], group[static_cast<std::size_t>(x.dst)],
                                  x.bytes, loads)
                  .count();
    for (const LinkLoad& l : loads) weighted.push_back(l);
    loads_begin.push_back(static_cast<std::uint32_t>(weighted.size()));
  }
  SharedTimes shared = shared_times(plan, weighted, loads_begin);
  for (std::size_t k = 0; k < plan.shapes.size(); ++k) {
    const std::int64_t uses = plan.shape_uses[k];
    for (std::uint32_t j = loads_begin[k]; j < loads_begin[k + 1]; ++j) {
      LinkUsage& u = weighted[j].usage;
      u = LinkUsage{Duration::ns(u.busy.count() * uses), Bytes(u.bytes.count() * uses)};
    }
  }
  // One load per link, in link order: sums of integers, the same as the
  // event run's in any order.
  std::sort(weighted.begin(), weighted.end(), [](const LinkLoad& a, const LinkLoad& b) { return a.link < b.link; });
  for (const LinkLoad& l : weighted) {
    if (!tp.loads.empty() && tp.loads.back().link == l.link) {
      tp.loads.back().usage.busy += l.usage.busy;
      tp.loads.back().usage.bytes += l.usage.bytes;
    } else {
      tp.loads.push_back(l);
    }
  }
  // The critical path depends on the plan and the shapes' times alone: groups
  // of the same shape on alike routes (each tensor-parallel rank's data-
  // parallel group, stage after stage) share it.
  std::vector<std::shared_ptr<const CriticalPath>>& known = paths_[low.plan.get()];
  for (const auto& p : known) {
    if (p->took == took && p->shared == shared) {
      tp.path = p;
      return tp;
    }
  }
  const std::size_t n = plan.size();
  // Dependencies have lower indices than their transfer: one pass in order.
  // The starts are kept only for the spans of a recorded run.
  auto path = std::make_shared<CriticalPath>();
  path->end.assign(n, 0);
  if (records_spans_) path->start.assign(n, 0);
  std::int64_t makespan = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t start = 0;
    for (const std::int32_t d : plan.deps_of(i)) start = std::max(start, path->end[static_cast<std::size_t>(d)]);
    if (records_spans_) path->start[i] = start;
    path->end[i] = start + took[static_cast<std::size_t>(plan.shape_of[i])];
    if (!shared.empty()) path->end[i] += shared_time(shared, plan, i);
    makespan = std::max(makespan, path->end[i]);
  }
  path->makespan = Duration::ns(makespan);
  if (!records_spans_) path->end = {};
  path->took = std::move(took);
  path->shared = std::move(shared);
  tp.path = path;
  known.push_back(std::move(path));
  return tp;
}

// Executor::oversubscription: a collective's (or a point-to-point
// transfer's) share of each of its links added to those of the others still
// on it, until the visits run out.
void Executor::check_overlap(std::span<const LinkLoad> loads, std::int64_t took, std::int64_t& visits_left) {
  const std::int64_t now = engine_.now().ns();
  if (took <= 0) return;
  visits_left -= static_cast<std::int64_t>(loads.size());
  if (visits_left <= 0) {
    if (overlap_visits_left_ <= 0 && send_visits_left_ <= 0)
      on_link_ = {};  // the checks are over: free the table
    return;
  }
  for (const LinkLoad& l : loads) {
    auto& on = on_link_[l.link];
    std::erase_if(on, [now](const auto& e) { return e.first <= now; });
    // Its share: the link's busy time for it over its duration (several
    // transfers of one step count their bytes together, as shared_times has
    // them; a lone transfer's narrowest link counts 1, less its route's latency).
    const double share = std::min(1.0, static_cast<double>(l.usage.busy.count()) / static_cast<double>(took));
    double sum = share;
    for (const auto& e : on) sum += e.second;
    if (sum > oversubscribed_.factor) oversubscribed_ = {sum, l.link};
    on.emplace_back(now + took, share);
  }
}

// On a contention-free network a collective's transfers interact with nothing
// but their own step's (shared_times): their times follow from the plan alone, so the collective is one event
// at the end of its critical path, with the link usage and the transfer spans the event run would give.
void Executor::run_collective_alone(TaskId t, const CollectiveWork& c, const LoweredPlan& low) {
  const TimedPlan& tp = timed_plan(low, c.group);
  if (overlap_visits_left_ > 0) check_overlap(tp.loads, tp.path->makespan.count(), overlap_visits_left_);
  network_.add_loads(tp.loads, engine_.now(), engine_.now() + tp.path->makespan);
  if (mirror_ && mirror_->stands_for(c.group) > 1) {
    // The other replicas' copies, at the same times (their class has the same signature).
    for (const CollectiveWork& copy : copied_collective(t, c)) {
      const TimedPlan& other = timed_plan(plans_->get(copy), copy.group);
      if (overlap_visits_left_ > 0)
        check_overlap(other.loads, other.path->makespan.count(), overlap_visits_left_);
      network_.add_loads(other.loads, engine_.now(), engine_.now() + other.path->makespan);
    }
  }
  if (records_spans_) {
    const std::int32_t name = transfer_span_name(c, low);
    const std::int64_t at = engine_.now().ns();
    const models::CollectivePlan& plan = *low.plan;
    for (const std::int32_t k : tp.recorded) {
      const auto i = static_cast<std::size_t>(k);
      const models::PlanTransfer& x = plan.transfers()[i];
      sink_.span(trace::Span{
          at + tp.path->start[i], at + tp.path->end[i], c.group[static_cast<std::size_t>(x.src)].value(),
          static_cast<std::int8_t>(task::TaskKind::kSend), name, -1, x.step, plan.bytes_of(i).count()});
    }
  }
  engine_.schedule_after(tp.path->makespan, [this, t] { finish(t); });
}

void Executor::start_transfer(std::size_t slot, std::int32_t i) {
  RunningCollective& r = *running_[slot];
  const auto u = static_cast<std::size_t>(i);
  const models::PlanTransfer& x = r.plan->transfers()[u];
  if (records_spans_) r.started[u] = engine_.now().ns();  // for its span
  NetworkService::KnownRoute& route = r.routes[static_cast<std::size_t>(r.plan->shape_of[u])];
  if (!route.known)
    route = network_.route((*r.group)[static_cast<std::size_t>(x.src)],
                           (*r.group)[static_cast<std::size_t>(x.dst)]);
  const std::int64_t extra = r.shared && !r.shared->empty() ? shared_time(*r.shared, *r.plan, u) : 0;
  if (extra > 0) {
    network_.transfer_on(route, r.plan->bytes_of(u), [this, slot, i, extra] {
      engine_.schedule_after(Duration::ns(extra), [this, slot, i] { transfer_done(slot, i); });
    });
    return;
  }
  network_.transfer_on(route, r.plan->bytes_of(u), [this, slot, i] { transfer_done(slot, i); });
}

void Executor::transfer_done(std::size_t slot, std::int32_t i) {
  RunningCollective& r = *running_[slot];
  const models::CollectivePlan& plan = *r.plan;
  const auto u = static_cast<std::size_t>(i);
  if (records_spans_) {
    const models::PlanTransfer& x = plan.transfers()[u];
    sink_.span(trace::Span{
        r.started[u], engine_.now().ns(), (*r.group)[static_cast<std::size_t>(x.src)].value(),
        static_cast<std::int8_t>(task::TaskKind::kSend), r.span_name, -1, x.step, plan.bytes_of(u).count()});
  }
  for (const auto s : plan.successors_of(u)) {
    const auto v = static_cast<std::size_t>(s);
    if ((r.small ? --r.waiting_small[v] : --r.waiting[v]) == 0) start_transfer(slot, s);
  }
  if (--r.left == 0) {
    const TaskId t = r.task;
    running_[slot].reset();
    free_running_.push_back(slot);
    finish(t);
  }
}

// A point-to-point transfer's own loads and time on the contention-free
// network, for the oversubscription check (built at its first use, while the
// check runs).
Executor::OwnTransfer& Executor::own_transfer(DeviceId src, DeviceId dst, Bytes bytes) {
  const auto [it, added] = own_transfers_.try_emplace(TransferKey{src.value(), dst.value(), bytes.count()});
  OwnTransfer& own = it->second;
  if (added) own.took = network_.time_alone(src, dst, bytes, own.loads).count();
  return own;
}

// Executor::oversubscription for a point-to-point transfer (and its copies in
// the other replicas, if any): its first kSendChecks starts of each (ends,
// bytes), on the sends' own budget of link visits.
void Executor::check_send_overlap(DeviceId src, DeviceId dst, Bytes bytes, const CopiedTransfer* copies) {
  OwnTransfer& own = own_transfer(src, dst, bytes);
  if (own.checked >= kSendChecks) {
    send_visits_left_ -= kSkippedSend;  // its lookup: the checks end after so many sends, checked or not
    if (send_visits_left_ <= 0) own_transfers_ = {};
    return;
  }
  ++own.checked;
  check_overlap(own.loads, own.took, send_visits_left_);
  if (copies) {
    for (std::size_t j = 0; j < copies->loads.size() && send_visits_left_ > 0; ++j)
      check_overlap(copies->loads[j], copies->took[j], send_visits_left_);
  }
  if (send_visits_left_ <= 0) own_transfers_ = {};  // the sends' checks are over
}

}  // namespace orrery::exec
