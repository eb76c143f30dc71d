// Interleaved 1F1B (Narayanan et al., SC21, §2.2.2): each stage holds v model
// chunks (virtual stages c·p + s). Micro-batches move through the chunks in
// groups of p: the k-th forward of a stage is micro-batch ⌊k/(p·v)⌋·p + k mod p
// of chunk ⌊k/p⌋ mod v, and backwards run the chunks in reverse. Stage s
// warms up with (p−s−1)·2 + (v−1)·p forwards (all of them when m = p), then
// alternates. Bubble (p−1)(t_f+t_b)/v; m must be a multiple of p.
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class InterleavedSchedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "interleaved_1f1b"; }
  [[nodiscard]] bool interleaved() const override { return true; }
  [[nodiscard]] std::string check_chunks(int chunks, std::string_view key) const override;
  [[nodiscard]] std::string check(const PipelineShape& shape) const override;
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
