// GPipe (Huang et al., NeurIPS 2019): every stage runs the forwards of all m
// micro-batches, then their backwards in reverse order (the last forward's
// activations are the first consumed). Bubble (p−1)(t_f+t_b); a stage holds
// the activations of all m micro-batches at its peak.
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class GPipeSchedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "gpipe"; }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
