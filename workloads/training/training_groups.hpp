// The collectives inside a stage group — tensor parallelism's all-reduces (or
// reduce-scatter + all-gather), context parallelism's key/value ring, expert
// parallelism's all-to-all — that an operation runs in lockstep before or
// after its compute (ComputeWork's head and tail). They run on the group's own
// links, so they are not simulated: each becomes an entry of the graph's group
// cost table per replica, virtual stage and operation type, which the pricing
// pass prices once on the group's routes.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "workloads/training/training.hpp"

namespace orrery::workload::training {

class InGroupCollectives {
 public:
  struct Entry {
    std::int32_t cost = -1;  // the graph's group cost entry (-1: none)
    std::int32_t name = -1;  // the span's name in the graph
  };

  InGroupCollectives(const ParallelPlan& plan, int virtual_stages);

  // The tail of one operation on (replica, stage): its collectives in turn.
  [[nodiscard]] const Entry& tail(TaskGraph& g, int dp, int stage, int virtual_stage, PipeOpType type,
                                  const OpCost& cost);
  // The tail of one piece of a backward run in pieces (VirtualStageCost::backward_piece).
  [[nodiscard]] const Entry& piece_tail(TaskGraph& g, int dp, int stage, int virtual_stage, const OpCost& piece);
  // The receivers' all-gather of the tp shares of a pipeline send (Megatron's
  // scatter/gather), the head of an operation that receives one.
  [[nodiscard]] const Entry& gather_head(TaskGraph& g, int dp, int stage, Bytes activation);

 private:
  [[nodiscard]] const std::vector<DeviceId>& group(Axis axis, int dp, int stage) const;
  // kSlots entries per (replica, virtual stage): F, B, W, and a backward's piece.
  static constexpr std::size_t kSlots = 4;
  [[nodiscard]] const Entry& tail_in(std::size_t slot, TaskGraph& g, int dp, int stage, int virtual_stage,
                                     const OpCost& cost);

  int stages_;
  int virtual_stages_;
  std::vector<std::array<std::vector<DeviceId>, 3>> groups_;  // per (replica, stage): tp, cp, ep
  std::vector<std::optional<Entry>> tails_;                   // per (replica, virtual stage, slot)
  std::vector<std::optional<Entry>> heads_;                   // per (replica, stage)
};

}  // namespace orrery::workload::training
