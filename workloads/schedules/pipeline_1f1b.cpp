#include "workloads/schedules/pipeline_1f1b.hpp"

#include <algorithm>

namespace orrery::workload {

std::vector<std::vector<PipeOp>> OneFOneBSchedule::order(const PipelineShape& shape) const {
  const int p = shape.stages;
  const int m = shape.micro_batches;
  std::vector<std::vector<PipeOp>> out(static_cast<std::size_t>(p));
  for (int s = 0; s < p; ++s) {
    auto& ops = out[static_cast<std::size_t>(s)];
    const int warmup = std::min(p - s - 1, m);
    int next_f = 0;
    int next_b = 0;
    for (; next_f < warmup; ++next_f) ops.push_back({PipeOpType::kForward, next_f, 0});
    while (next_f < m) {
      ops.push_back({PipeOpType::kForward, next_f++, 0});
      ops.push_back({PipeOpType::kBackward, next_b++, 0});
    }
    while (next_b < m) ops.push_back({PipeOpType::kBackward, next_b++, 0});
  }
  return out;
}

}  // namespace orrery::workload
