#include "workloads/schedules/pipeline_zb_v.hpp"

#include <fmt/format.h>

#include "workloads/schedules/stage_ops.hpp"

namespace orrery::workload {

std::string ZbVSchedule::check_chunks(int chunks, std::string_view key) const {
  if (chunks == 2) return {};
  return fmt::format(
      "schedule 'zb_v' places exactly 2 chunks on each stage, in a V; set {} to 2 (got {})", key, chunks);
}

std::string ZbVSchedule::check(const PipelineShape& shape) const {
  if (shape.micro_batches >= shape.stages) return {};
  return fmt::format("schedule 'zb_v' needs at least as many micro-batches as the {} stages, got {}",
                     shape.stages, shape.micro_batches);
}

std::vector<std::vector<PipeOp>> ZbVSchedule::order(const PipelineShape& shape) const {
  const int p = shape.stages;
  const int m = shape.micro_batches;
  std::vector<std::vector<PipeOp>> out;
  for (int d = 0; d < p; ++d) {
    StageOps ops(m);
    for (int k = 0; k < 2 * p - 1 - 2 * d; ++k) ops.forward(0);
    for (int k = 0; k < d; ++k) {
      ops.forward(1);
      ops.forward(0);
    }
    const auto group = [&ops](int chunk) {
      ops.forward(chunk);
      ops.backward(chunk);
      ops.weight(chunk);
    };
    for (int k = 0; k < p - 1 - d; ++k) group(1);
    for (int chunk = 1; ops.forwards(0) < m || ops.forwards(1) < m; chunk = 1 - chunk) group(chunk);
    while (ops.backwards(0) < m || ops.backwards(1) < m) {
      ops.backward(0);
      if (!ops.backward(1) && !ops.weight(1)) ops.weight(0);
    }
    ops.flush_weights(1);
    ops.flush_weights(0);
    out.push_back(ops.take());
  }
  return out;
}

}  // namespace orrery::workload
