#include "workloads/schedules/pipeline_interleaved.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace orrery::workload {

// One chunk per stage is 1F1B under another name: refused rather than run
// silently as the user did not mean.
std::string InterleavedSchedule::check_chunks(int chunks, std::string_view key) const {
  if (chunks >= 2) return {};
  return fmt::format("schedule 'interleaved_1f1b' interleaves model chunks: set {} to 2 or more (with {} = {} it "
                     "is 1f1b; name that schedule instead)",
                     key, key, chunks);
}

std::string InterleavedSchedule::check(const PipelineShape& shape) const {
  if (shape.micro_batches % shape.stages != 0) {
    return fmt::format("schedule 'interleaved_1f1b' needs micro-batches to be a multiple of the {} stages, got {}",
                       shape.stages, shape.micro_batches);
  }
  return {};
}

std::vector<std::vector<PipeOp>> InterleavedSchedule::order(const PipelineShape& shape) const {
  const int p = shape.stages;
  const int m = shape.micro_batches;
  const int v = shape.chunks;
  const int total = m * v;
  const auto micro_batch = [&](int k) { return (k / (p * v)) * p + k % p; };
  const auto chunk_f = [&](int k) { return (k / p) % v; };
  const auto chunk_b = [&](int k) { return v - 1 - (k / p) % v; };

  std::vector<std::vector<PipeOp>> out(static_cast<std::size_t>(p));
  for (int s = 0; s < p; ++s) {
    auto& ops = out[static_cast<std::size_t>(s)];
    const int warmup = (m == p) ? total : std::min((p - s - 1) * 2 + (v - 1) * p, total);
    int f = 0;
    int b = 0;
    for (; f < warmup; ++f) ops.push_back({PipeOpType::kForward, micro_batch(f), chunk_f(f)});
    while (f < total) {
      ops.push_back({PipeOpType::kForward, micro_batch(f), chunk_f(f)});
      ++f;
      ops.push_back({PipeOpType::kBackward, micro_batch(b), chunk_b(b)});
      ++b;
    }
    for (; b < total; ++b) ops.push_back({PipeOpType::kBackward, micro_batch(b), chunk_b(b)});
  }
  return out;
}

}  // namespace orrery::workload
