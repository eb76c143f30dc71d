// V-Half (Qi, Wan, Amar, Lin, "Pipeline Parallelism with Controllable Memory",
// arXiv 2405.15362, §3–4): a schedule is one micro-batch's building block —
// when each of its passes runs — repeated every 6 slots (a device's F, B, W of
// two chunks), then squeezed; the block's lifespan (F to W of the same chunk)
// sets the activation memory. V-Half places two chunks per device in a V like
// ZB-V and stretches the forward of chunk 0 and the backward of chunk 1 to 2
// slots per device, so activations live about half as long as in 1F1B.
// Building block used here, in slots of one chunk pass (g = 3 for even p, 0
// for odd p, which keeps the four passes of a device in distinct slots mod 6):
//   device d, chunk 0 forward   at 2d           (virtual stage d)
//             chunk 1 forward   at 3p − d − 2   (virtual stage 2p−1−d)
//             chunk 1 backward  at 3p + g + 2d − 1
//             chunk 0 backward  at 6p + g − d − 2
// Micro-batch j adds 6j. Each device's order is its F and B passes by slot,
// with the oldest waiting W put into every slot that has no F or B; the
// executor then squeezes out the empty slots. Every pass comes after the
// passes it needs in slot order, so the order never deadlocks, for any m.
// Expected, with T_F = T_B = T_W (t = one chunk's pass, half the stage's time),
// free communication and m ≥ p: the busiest device holds p+1 chunk activations
// for odd p, p+2 for even p ((p+1)/2 or (p+2)/2 micro-batches of a whole
// stage, about half of 1F1B's p); device d idles, between its first and last pass,
// b − 2d slots with b = 7(p−1)/2 for odd p and (7p−4)/2 for even p; device 0
// spans the iteration, which takes 6m·t + b·t. For odd p that bubble is 7/12 of
// 1F1B's (p−1)(T_F+T_B+T_W). The authors' implementation also reorders passes
// greedily after squeezing and reports about half of 1F1B's bubble; this
// schedule stops at repeat-and-squeeze.
#pragma once

#include "workloads/schedules/schedule.hpp"

namespace orrery::workload {

class VHalfSchedule final : public Schedule {
 public:
  [[nodiscard]] std::string_view name() const override { return "v_half"; }
  [[nodiscard]] std::string check_chunks(int chunks, std::string_view key) const override;
  [[nodiscard]] bool splits_backward() const override { return true; }
  [[nodiscard]] int device_of(int chunk, int position, int stages) const override {
    return v_shape_device(chunk, position, stages);
  }
  [[nodiscard]] std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const override;
};

}  // namespace orrery::workload
