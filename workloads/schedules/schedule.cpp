#include "workloads/schedules/schedule.hpp"

#include <fmt/format.h>

#include "workloads/schedules/pipeline_1f1b.hpp"
#include "workloads/schedules/pipeline_gpipe.hpp"
#include "workloads/schedules/pipeline_interleaved.hpp"

namespace orrery::workload {

std::string Schedule::check(const PipelineShape&) const { return {}; }

namespace {
template <class S>
void add(ScheduleRegistry& r, std::string description) {
  auto instance = std::make_shared<const S>();
  r.add(std::string(instance->name()), std::move(description), [instance](config::Reader&) { return instance; });
}
}  // namespace

void register_builtin(ScheduleRegistry& schedules) {
  add<GPipeSchedule>(schedules, "all forwards, then all backwards (Huang et al. 2019)");
  add<OneFOneBSchedule>(schedules, "one forward, one backward after a warm-up (PipeDream-Flush; Megatron-LM)");
  add<InterleavedSchedule>(schedules, "1F1B over v model chunks per stage (Megatron-LM SC21 §2.2.2)");
}

}  // namespace orrery::workload
