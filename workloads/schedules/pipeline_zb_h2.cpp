#include "workloads/schedules/pipeline_zb_h2.hpp"

#include <algorithm>

#include "workloads/schedules/stage_ops.hpp"

namespace orrery::workload {

std::vector<std::vector<PipeOp>> ZbH2Schedule::order(const PipelineShape& shape) const {
  const int p = shape.stages;
  const int m = shape.micro_batches;
  const int limit = 2 * p - 1;
  std::vector<std::vector<PipeOp>> out;
  for (int s = 0; s < p; ++s) {
    StageOps ops(m);
    for (int k = 0; k < std::min(2 * (p - 1 - s) + 1, m); ++k) ops.forward();
    while (ops.forwards() < m && ops.in_flight() < limit) {
      ops.backward();
      ops.forward();
    }
    while (ops.forwards() < m) {
      ops.backward();
      ops.weight();
      ops.forward();
    }
    while (ops.backward()) ops.weight();
    ops.flush_weights();
    out.push_back(ops.take());
  }
  return out;
}

}  // namespace orrery::workload
