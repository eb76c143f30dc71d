#include "workloads/schedules/pipeline_v_half.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <utility>

namespace orrery::workload {

std::string VHalfSchedule::check_chunks(int chunks, std::string_view key) const {
  if (chunks == 2) return {};
  return fmt::format(
      "schedule 'v_half' places exactly 2 chunks on each stage, in a V; set {} to 2 (got {})", key, chunks);
}

std::vector<std::vector<PipeOp>> VHalfSchedule::order(const PipelineShape& shape) const {
  const int p = shape.stages;
  const int m = shape.micro_batches;
  const int g = p % 2 == 0 ? 3 : 0;
  std::vector<std::vector<PipeOp>> out;
  for (int d = 0; d < p; ++d) {
    std::vector<std::pair<int, PipeOp>> slots;  // F and B passes by building-block slot
    for (int j = 0; j < m; ++j) {
      slots.push_back({2 * d + 6 * j, {PipeOpType::kForward, j, 0}});
      slots.push_back({3 * p - d - 2 + 6 * j, {PipeOpType::kForward, j, 1}});
      slots.push_back({3 * p + g + 2 * d - 1 + 6 * j, {PipeOpType::kBackward, j, 1}});
      slots.push_back({6 * p + g - d - 2 + 6 * j, {PipeOpType::kBackward, j, 0}});
    }
    std::ranges::sort(slots, {}, &std::pair<int, PipeOp>::first);
    std::vector<PipeOp> ops;
    std::deque<PipeOp> waiting;  // W passes whose B is done, oldest first
    std::size_t next = 0;
    for (int t = 0; next < slots.size() || !waiting.empty(); ++t) {
      if (next < slots.size() && slots[next].first == t) {
        const PipeOp& op = slots[next++].second;
        ops.push_back(op);
        if (op.type == PipeOpType::kBackward)
          waiting.push_back({PipeOpType::kWeight, op.micro_batch, op.chunk});
      } else if (!waiting.empty()) {
        ops.push_back(waiting.front());
        waiting.pop_front();
      }
    }
    out.push_back(std::move(ops));
  }
  return out;
}

}  // namespace orrery::workload
