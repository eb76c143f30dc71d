#include "workloads/schedules/pipeline_zb_h1.hpp"

#include <algorithm>

#include "workloads/schedules/stage_ops.hpp"

namespace orrery::workload {

std::vector<std::vector<PipeOp>> ZbH1Schedule::order(const PipelineShape& shape) const {
  const int p = shape.stages;
  const int m = shape.micro_batches;
  std::vector<std::vector<PipeOp>> out;
  for (int s = 0; s < p; ++s) {
    StageOps ops(m);
    for (int k = 0; k < std::min(p - 1 - s, m); ++k) ops.forward();
    while (ops.backwards() < m) {
      ops.forward();
      ops.backward();
      if (ops.backwards() - ops.weights() > s) ops.weight();
    }
    ops.flush_weights();
    out.push_back(ops.take());
  }
  return out;
}

}  // namespace orrery::workload
