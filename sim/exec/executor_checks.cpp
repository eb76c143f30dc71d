// The executor's checks before a run: the graph's event estimate against
// limits.events, and each task's devices, group and collective algorithm.
#include <fmt/format.h>

#include <algorithm>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"
#include "sim/exec/collective_lowering.hpp"
#include "sim/exec/executor.hpp"

namespace orrery::exec {

void Executor::check_events() {
  // The plan cache lowers each collective shape once, as the run would.
  const bool each_transfer = every_transfer_ || !network_.contention_free();
  double transfers = 0;
  if (each_transfer && collectives_) {
    for (std::size_t i = 0; i < graph_.size(); ++i) {
      const task::Task& t = graph_.task(TaskId(static_cast<std::int32_t>(i)));
      if (const auto* k = std::get_if<task::CollectiveWork>(&t.work)) {
        transfers += static_cast<double>(plans_->get(*k).plan->size());
      }
    }
  }
  const double events = 2.0 * (static_cast<double>(graph_.size()) + transfers);
  if (events > event_budget_) {
    throw ConfigError(fmt::format(
        "limits.events: the run would take about {:.3g} events ({} tasks and {:.3g} collective transfers, two "
        "events each), more than limits.events = {:.3g}; shrink the scenario, use network.model: analytic (its "
        "collectives are one event each), or raise the limit deliberately (--max-events N)",
        events, graph_.size(), transfers, event_budget_));
  }
}

void Executor::check_task(std::size_t i) const {
  const task::Task& task = task_at(TaskId(static_cast<std::int32_t>(i)));
  const auto fail = [&](const std::string& why) {
    throw InfeasibleError(fmt::format("task '{}': {}", name_at(task.name), why));
  };
  const int devices = cluster_.device_count();
  const auto bad = [devices](DeviceId d) { return d.value() < 0 || d.value() >= devices; };
  const auto* c = std::get_if<task::ComputeWork>(&task.work);
  const auto* x = std::get_if<task::TransferWork>(&task.work);
  const auto* w = std::get_if<task::DelayWork>(&task.work);
  if ((c && bad(c->device)) || (x && (bad(x->src) || bad(x->dst))) || (w && bad(w->device))) {
    fail(fmt::format("names a device outside the cluster's {} devices", devices));
  }
  const auto* k = std::get_if<task::CollectiveWork>(&task.work);
  if (!k) return;
  for (DeviceId d : k->group) {
    if (bad(d)) fail(fmt::format("device {} is outside the cluster's {} devices", d.value(), devices));
  }
  std::vector<DeviceId> sorted = k->group;
  std::sort(sorted.begin(), sorted.end(), [](DeviceId a, DeviceId b) { return a.value() < b.value(); });
  if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
    fail(fmt::format("device {} appears twice in the group", twice->value()));
  }
  const models::CollectiveCall call = collective_call(*k, cluster_);
  if (const std::string why = models::check_call(call); !why.empty()) fail(why);
  if (!collectives_) fail("no collective algorithms were given to the executor");
  if (k->algorithm == "auto") return;  // the tuner says when nothing fits
  const models::CollectiveAlgorithm* a = collectives_->find(k->algorithm);
  if (!a) {
    fail(fmt::format("unknown collective algorithm '{}'; valid: auto, {}", k->algorithm,
                     join(collectives_->algorithms_for(k->op))));
  }
  if (!a->supports(k->op)) {
    fail(fmt::format("algorithm '{}' cannot run {}; valid for it: auto, {}", k->algorithm, name_of(k->op),
                     join(collectives_->algorithms_for(k->op))));
  }
  if (const std::string why = a->check(call); !why.empty()) fail(fmt::format("{}: {}", k->algorithm, why));
}

}  // namespace orrery::exec
