#include "workloads/schedules/schedule.hpp"

#include <fmt/format.h>

#include "workloads/schedules/pipeline_1f1b.hpp"
#include "workloads/schedules/pipeline_gpipe.hpp"
#include "workloads/schedules/pipeline_interleaved.hpp"
#include "workloads/schedules/pipeline_v_half.hpp"
#include "workloads/schedules/pipeline_zb_h1.hpp"
#include "workloads/schedules/pipeline_zb_h2.hpp"
#include "workloads/schedules/pipeline_zb_v.hpp"

namespace orrery::workload {

std::string_view letter(PipeOpType t) {
  switch (t) {
    case PipeOpType::kForward:
      return "F";
    case PipeOpType::kBackward:
      return "B";
    case PipeOpType::kWeight:
      return "W";
  }
  return "?";
}

TaskKind task_kind(PipeOpType t) {
  switch (t) {
    case PipeOpType::kForward:
      return TaskKind::kForward;
    case PipeOpType::kBackward:
      return TaskKind::kBackward;
    case PipeOpType::kWeight:
      return TaskKind::kWeightGrad;
  }
  return TaskKind::kOther;
}

namespace {

// A key of two values, `off` or `on`, defaulting to the schedule's choice `on_by_default`.
bool read_switch(config::Reader& r, std::string_view key, std::string off, std::string on, bool on_by_default,
                 std::string_view help) {
  const std::vector<std::string> values{std::move(off), std::move(on)};
  return r.choice(key, values, values[on_by_default ? 1 : 0], help) == values[1];
}

}  // namespace

bool read_post_validation(config::Reader& r, const Schedule& schedule) {
  return read_switch(r, "optimizer_step", "synchronized", "post_validation", schedule.post_validates(),
                     "`synchronized`: a global optimizer step separates iterations, so one takes the isolated "
                     "makespan; `post_validation` (Qi et al. §4): each device starts the next iteration when its "
                     "own work of this one (its optimizer step included) ends, so iterations repeat every longest "
                     "device span. Default: post_validation under zb_h2 and zb_v, synchronized under the others");
}

bool read_synchronous_sends(config::Reader& r, const Schedule& schedule) {
  return read_switch(r, "pipeline_sends", "asynchronous", "synchronous", schedule.synchronous_sends(),
                     "`synchronous` (Megatron-LM's p2p: batch_isend_irecv, then wait): a stage goes on to its next "
                     "operation only once its send is done, so every send's time is on the sender's path; "
                     "`asynchronous`: a posted send overlaps the operations after it. Default: synchronous under "
                     "gpipe, 1f1b and interleaved_1f1b, asynchronous under the schedules that split the backward");
}

std::string Schedule::check_chunks(int chunks, std::string_view key) const {
  if (chunks == 1 || interleaved()) return {};
  return fmt::format("schedule '{}' runs one chunk per stage, but {} = {}", name(), key, chunks);
}

std::string Schedule::check(const PipelineShape&) const {
  return {};
}

int Schedule::device_of(int, int position, int) const {
  return position;
}

namespace {
template <class S>
void add(ScheduleRegistry& r, std::string description) {
  auto instance = std::make_shared<const S>();
  r.add(std::string(instance->name()), std::move(description),
        [instance](config::Reader&) { return instance; });
}
}  // namespace

void register_builtin(ScheduleRegistry& schedules) {
  add<GPipeSchedule>(schedules, "all forwards, then all backwards (Huang et al. 2019)");
  add<OneFOneBSchedule>(schedules,
                        "one forward, one backward after a warm-up (PipeDream-Flush; Megatron-LM)");
  add<InterleavedSchedule>(schedules, "1F1B over v model chunks per stage (Megatron-LM SC21 §2.2.2)");
  add<ZbH1Schedule>(
      schedules,
      "1F1B with the backward split into B and W, W delayed into the bubbles; 1F1B's peak memory "
      "(Qi et al. ICLR'24 §2.1)");
  add<ZbH2Schedule>(
      schedules,
      "split backward, 2p-1 micro-batches in flight, zero bubble when F, B, W take the same time "
      "(Qi et al. ICLR'24 §2.2)");
  add<ZbVSchedule>(schedules,
                   "two chunks per stage in a V, zero bubble at 1F1B's peak memory; needs chunks: 2 "
                   "(Qi et al. arXiv 2401.10241 §6)");
  add<VHalfSchedule>(schedules,
                     "V-shaped building block with about half of 1F1B's activation memory; needs chunks: 2 "
                     "(Qi et al. arXiv 2405.15362)");
}

}  // namespace orrery::workload
