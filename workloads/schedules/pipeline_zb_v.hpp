// ZB-V (Qi et al., "Zero Bubble Pipeline Parallelism", arXiv 2401.10241 §6 and
// Figure 8): two chunks per device in a V — chunk 0 runs down the devices,
// chunk 1 back up, so device d holds virtual stages d and 2p−1−d and both the
// forward and the backward of a micro-batch start and end on device 0. With
// the backward split into B and W, device d (0-based) runs:
//   1. warm-up, 2p−1 forwards: 2p−1−2d of chunk 0, then d pairs
//      (chunk 1, chunk 0) — the paper's 2p−i and i−1 for worker i = d+1,
//      in the order they arrive when every pass takes the same time;
//   2. p−1−d groups F-B-W of chunk 1, then groups alternating chunk 1,
//      chunk 0, ... until every forward is done (a group whose chunk has no
//      forward left runs its B and W only);
//   3. the remaining backwards, B first: for each remaining B of chunk 0,
//      that B, then a B of chunk 1 if one is left, else one pending W
//      (chunk 1's first); then the remaining W, chunk 1's first.
// All counts stop at the m micro-batches. Needs m ≥ p (fewer deadlock) and
// exactly two chunks.
// With T_F = T_B = T_W (t = one chunk's pass, half the stage's time) and free
// communication, for m ≥ p: each device holds at most 2p chunk activations
// (p micro-batches of a whole stage: 1F1B's peak, on every device); its idle
// time between its first and last pass is max(0, 2p−1−m)·t — zero from
// m = 2p−1 on, the paper's zero bubble; an isolated iteration takes
// 6m·t + max(p−1, 3p−3−m)·t, i.e. m(T_F+T_B+T_W) + (p−1)·T_F/2 for m ≥ 2p−1:
// device d cannot start before chunk 0's first forward has crossed d
// devices, and the last device then works without a gap.
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class ZbVSchedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "zb_v"; }
  [[nodiscard]] std::string check_chunks(int chunks, std::string_view key) const override;
  [[nodiscard]] std::string check(const PipelineShape& shape) const override;
  [[nodiscard]] bool splits_backward() const override { return true; }
  [[nodiscard]] bool post_validates() const override { return true; }
  [[nodiscard]] int device_of(int chunk, int position, int stages) const override {
    return v_shape_device(chunk, position, stages);
  }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
