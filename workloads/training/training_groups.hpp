// The collectives inside a stage group — tensor parallelism's all-reduces (or
// reduce-scatter + all-gather), context parallelism's key/value ring, expert
// parallelism's all-to-all — that an operation runs in lockstep before or
// after its compute (ComputeWork's head and tail). They run on the group's own
// links, so they are priced once when lowering (CollectivePricer) per replica,
// virtual stage and operation type, not simulated.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "workloads/training/training.hpp"

namespace orrery::workload::training {

class InGroupCollectives {
 public:
  struct Priced {
    Duration time;
    std::int64_t bytes = 0;  // over links, all ranks together
    std::int32_t name = -1;  // the span's name in the graph
  };

  // `pricer` may be null until something is priced (then std::logic_error).
  InGroupCollectives(const ParallelPlan& plan, int virtual_stages, const CollectivePricer* pricer);

  // The tail of one operation on (replica, stage): its collectives in turn.
  [[nodiscard]] const Priced& tail(TaskGraph& g, int dp, int stage, int virtual_stage, PipeOpType type,
                                   const OpCost& cost);
  // The receivers' all-gather of the tp shares of a pipeline send (Megatron's
  // scatter/gather), the head of an operation that receives one.
  [[nodiscard]] const Priced& gather_head(TaskGraph& g, int dp, int stage, Bytes activation);

 private:
  [[nodiscard]] const std::vector<DeviceId>& group(Axis axis, int dp, int stage) const;
  [[nodiscard]] CollectivePrice price(const CollectiveWork& w) const;

  int stages_;
  int virtual_stages_;
  const CollectivePricer* pricer_;
  std::vector<std::array<std::vector<DeviceId>, 3>> groups_;  // per (replica, stage): tp, cp, ep
  std::vector<std::optional<Priced>> tails_;                  // per (replica, virtual stage, type)
  std::vector<std::optional<Priced>> heads_;                  // per (replica, stage)
};

}  // namespace orrery::workload::training
