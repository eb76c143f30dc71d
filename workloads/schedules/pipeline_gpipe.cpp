#include "workloads/schedules/pipeline_gpipe.hpp"

namespace orrery::workload {

std::vector<std::vector<PipeOp>> GPipeSchedule::order(const PipelineShape& shape) const {
  std::vector<std::vector<PipeOp>> out(static_cast<std::size_t>(shape.stages));
  for (auto& ops : out) {
    for (int mb = 0; mb < shape.micro_batches; ++mb) ops.push_back({PipeOpType::kForward, mb, 0});
    for (int mb = shape.micro_batches - 1; mb >= 0; --mb) ops.push_back({PipeOpType::kBackward, mb, 0});
  }
  return out;
}

}  // namespace orrery::workload
