// ZB-H2 (Qi et al., ICLR'24, "Zero Bubble Pipeline Parallelism", §2.2 and
// Figure 3 bottom): allow 2p−1 micro-batches in flight, fill the bubble
// before the first B with extra forwards, and move the W passes to the tail,
// which turns 1F1B's trapezoid into a parallelogram. Stage s of p, with m
// micro-batches (in flight = forwards done − weights done):
//   1. min(2(p−1−s)+1, m) forwards — as many as fit before the first B
//      arrives when T_F = T_B = T_W;
//   2. while forwards are left and fewer than 2p−1 micro-batches are in
//      flight: B, F (so stage s holds back 2s pending W);
//   3. while forwards are left: B, W, F;
//   4. while backwards are left: B, W;
//   5. the remaining W (2s+1 of them for m ≥ 2p−1: the parallelogram's edge).
// Memory: every stage peaks at min(2p−1, m) micro-batches (the paper's
// (2p−2s−1)·M_B + 2s·M_W). Bubble (Table 2), each stage's idle time between
// its first and last operation: (p−1)(T_F + T_B − 2T_W) for m ≥ 2p−1 whenever
// T_W ≤ T_F and 2T_W ≤ T_F + T_B — zero when T_F = T_B = T_W. It is zero only
// between iterations whose optimizer steps are not synchronised (the paper's
// §4, post_validates(), the pipeline workload's default for this schedule):
// iterations then repeat every m(T_F+T_B+T_W) + that bubble, the §5.3 cost.
// An isolated iteration takes m(T_F+T_B+T_W) + (p−1)·max(T_F,
// T_F+T_B−2T_W), stage s starting s·T_F late. Under unequal times this order
// is what the paper's §3.1 heuristic gives at a limit of 2p−1 micro-batches
// (checked against an independent replay of that heuristic for p = 8 and 32).
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class ZbH2Schedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "zb_h2"; }
  [[nodiscard]] bool splits_backward() const override { return true; }
  [[nodiscard]] bool post_validates() const override { return true; }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
