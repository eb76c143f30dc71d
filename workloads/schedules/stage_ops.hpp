// A helper for writing a schedule's per-device order: it appends F, B and W
// operations of each chunk in micro-batch order and refuses the ones that
// cannot come yet (no micro-batch left, B before its F, W before its B), so a
// schedule can be written as its phases ("warm up with k forwards, then
// F-B-W groups...") without counting the edge cases by hand. One or two chunks.
#pragma once

#include <array>
#include <utility>
#include <vector>

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class StageOps {
 public:
  explicit StageOps(int micro_batches) : m_(micro_batches) {}

  // Each appends the next operation of its kind for `chunk` and returns true,
  // or appends nothing and returns false.
  bool forward(int chunk = 0) {
    auto& f = f_[static_cast<std::size_t>(chunk)];
    if (f >= m_) return false;
    ops_.push_back({PipeOpType::kForward, f++, chunk});
    return true;
  }
  bool backward(int chunk = 0) {
    const auto c = static_cast<std::size_t>(chunk);
    if (b_[c] >= f_[c]) return false;
    ops_.push_back({PipeOpType::kBackward, b_[c]++, chunk});
    return true;
  }
  bool weight(int chunk = 0) {
    const auto c = static_cast<std::size_t>(chunk);
    if (w_[c] >= b_[c]) return false;
    ops_.push_back({PipeOpType::kWeight, w_[c]++, chunk});
    return true;
  }

  // Appends every W of `chunk` still to do.
  void flush_weights(int chunk = 0) {
    while (weight(chunk)) {
    }
  }

  [[nodiscard]] int forwards(int chunk = 0) const { return f_[static_cast<std::size_t>(chunk)]; }
  [[nodiscard]] int backwards(int chunk = 0) const { return b_[static_cast<std::size_t>(chunk)]; }
  [[nodiscard]] int weights(int chunk = 0) const { return w_[static_cast<std::size_t>(chunk)]; }
  // Micro-batches whose activations this chunk holds: forward done, W not yet.
  [[nodiscard]] int in_flight(int chunk = 0) const { return forwards(chunk) - weights(chunk); }
  [[nodiscard]] std::vector<PipeOp> take() { return std::move(ops_); }

 private:
  int m_;
  std::array<int, 2> f_{};
  std::array<int, 2> b_{};
  std::array<int, 2> w_{};
  std::vector<PipeOp> ops_;
};

}  // namespace orrery::workload
