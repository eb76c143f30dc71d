// ZB-H1 (Qi et al., ICLR'24, "Zero Bubble Pipeline Parallelism", §2.1 and
// Figure 3 top): 1F1B with the backward split into B (input gradient) and W
// (weight gradient). Each stage delays its W passes by as many micro-batches
// as it warms up fewer than the first stage, so every stage keeps p
// micro-batches in flight — the first stage's 1F1B peak — and B passes, no
// longer waiting behind W, reach the first stage sooner; the delayed W fill
// the tail. Stage s of p, with m micro-batches:
//   1. min(p−1−s, m) forwards (1F1B's warm-up);
//   2. until every B is done: F (while any is left), B, and then W when more
//      than s micro-batches are waiting for theirs;
//   3. the remaining W.
// Memory: activations live from F's end to W's end, so stage s peaks at
// min(p, m) micro-batches (the paper counts (p−s)·M_B + s·M_W, M_W < M_B).
// Bubble (Table 2), each stage's idle time between its first and last
// operation: (p−1)(T_F + T_B − T_W) whenever T_W ≤ T_F, for every m ≥ 1 (checked
// by tests/workloads/zero_bubble_test.cpp; T_F > T_W for transformer layers,
// Table 1). An isolated iteration takes m(T_F+T_B+T_W) + (p−1)·max(T_F, T_F+T_B−T_W):
// the last stage cannot start before (p−1)·T_F.
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class ZbH1Schedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "zb_h1"; }
  [[nodiscard]] bool splits_backward() const override { return true; }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
