// A pipeline schedule: for each pipeline stage (device), the order in which it
// runs the forward (F) and backward (B, or B then W when the backward is split
// into input and weight gradients) operations of each micro-batch and model
// chunk. Schedules only order work; the executor adds the data dependencies
// and transfers, so bubbles come out of the simulation.
//
// Chunks: with v chunks per device (interleaving), chunk c of stage s holds
// virtual stage c·p + s of the p·v-stage model, so a micro-batch visits the
// devices v times round (Narayanan et al., SC21, §2.2.2).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/registry.hpp"

namespace orrery::workload {

struct PipelineShape {
  int stages = 1;          // p
  int micro_batches = 1;   // m
  int chunks = 1;          // v
};

enum class PipeOpType : std::uint8_t { kForward, kBackward, kWeight };

struct PipeOp {
  PipeOpType type;
  int micro_batch;
  int chunk;
  bool operator==(const PipeOp&) const = default;
};

class Schedule {
 public:
  virtual ~Schedule() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // Empty when the schedule can run this shape, else why not, with the numbers.
  [[nodiscard]] virtual std::string check(const PipelineShape& shape) const;
  // True when the schedule interleaves chunks (allows chunks > 1).
  [[nodiscard]] virtual bool interleaved() const { return false; }
  // True when backward ops are split into B (input gradient) and W (weight gradient).
  [[nodiscard]] virtual bool splits_backward() const { return false; }
  // Per stage, the ordered operations.
  [[nodiscard]] virtual std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const = 0;
};

using ScheduleRegistry = config::Registry<std::shared_ptr<const Schedule>>;

void register_builtin(ScheduleRegistry& schedules);

}  // namespace orrery::workload
