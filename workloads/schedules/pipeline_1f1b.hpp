// 1F1B (PipeDream-Flush, Narayanan et al. 2021; Megatron-LM's default):
// stage s first runs min(p−s−1, m) warm-up forwards, then alternates one
// forward and one backward, then drains the remaining backwards. Same bubble
// as GPipe, (p−1)(t_f+t_b), but stage s holds at most p−s micro-batches of
// activations instead of m.
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class OneFOneBSchedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "1f1b"; }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
