// A pipeline schedule: for each pipeline stage (device), the order in which it
// runs the forward (F) and backward operations of each micro-batch and model
// chunk. A schedule that splits the backward (Qi et al., ICLR'24, "Zero Bubble
// Pipeline Parallelism") orders B (input gradient) and W (weight gradient)
// separately; the others order one fused backward B (input and weight
// gradients together). Schedules only order work; the lowering adds the data
// dependencies and transfers, so bubbles come out of the simulation.
//
// Chunks: with v chunks per device, the model is cut into p·v virtual stages;
// chunk c at position s (0 ≤ s < p) is virtual stage c·p + s, held by device
// device_of(c, s, p). The default is the interleaved placement — position s on
// device s for every chunk, so a micro-batch visits the devices v times round
// (Narayanan et al., SC21, §2.2.2). V-shaped schedules (ZB-V, V-Half) place
// chunk 1 backwards, position s on device p−1−s, so that the first and the
// last virtual stages share device 0.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/registry.hpp"
#include "workloads/vocabulary.hpp"

namespace orrery::workload {

struct PipelineShape {
  int stages = 1;         // p
  int micro_batches = 1;  // m
  int chunks = 1;         // v
};

// kBackward is the input gradient B when the schedule splits the backward,
// and the whole backward otherwise; kWeight is the weight gradient W.
enum class PipeOpType : std::uint8_t { kForward, kBackward, kWeight };

// "F", "B" or "W", as traces and messages name them.
[[nodiscard]] std::string_view letter(PipeOpType t);
// The task kind a phase runs as.
[[nodiscard]] TaskKind task_kind(PipeOpType t);

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
  // Empty when the schedule can run `chunks` chunks per stage, else why not,
  // with the numbers and `key`, the scenario key that sets it (vpp, chunks).
  // The default accepts 1, or any number when interleaved().
  [[nodiscard]] virtual std::string check_chunks(int chunks, std::string_view key) const;
  // Empty when the schedule can run this shape, else why not, with the numbers.
  [[nodiscard]] virtual std::string check(const PipelineShape& shape) const;
  // True when the schedule interleaves chunks (allows chunks > 1).
  [[nodiscard]] virtual bool interleaved() const { return false; }
  // True when backward ops are split into B (input gradient) and W (weight gradient).
  [[nodiscard]] virtual bool splits_backward() const { return false; }
  // True when the schedule is defined with the optimizer step's
  // synchronisation bypassed (Qi et al., ICLR'24, §4, "post-validation"), so
  // that back-to-back iterations fill each other's staggered heads and tails:
  // the default of the pipeline workload's `optimizer_step`.
  [[nodiscard]] virtual bool post_validates() const { return false; }
  // True when the schedule's reference runtime exchanges pipeline sends
  // synchronously (Megatron-LM's p2p: batch_isend_irecv, then wait, for GPipe,
  // 1F1B and interleaved 1F1B), false when it posts them and computes on (the
  // zero-bubble family, which splits the backward): the default of the
  // training workload's `pipeline_sends`.
  [[nodiscard]] virtual bool synchronous_sends() const { return !splits_backward(); }
  // The device that holds chunk `chunk` at position `position` (virtual stage
  // chunk·stages + position). For each chunk, positions must map one-to-one
  // onto the devices.
  [[nodiscard]] virtual int device_of(int chunk, int position, int stages) const;
  // Per device, the ordered operations; each (type, micro-batch, chunk) once,
  // with W only when splits_backward().
  [[nodiscard]] virtual std::vector<std::vector<PipeOp>> order(const PipelineShape& shape) const = 0;
};

// Reads `optimizer_step` (the pipeline and training workloads): true for
// `post_validation`, false for `synchronized`; the default is the schedule's
// post_validates().
[[nodiscard]] bool read_post_validation(config::Reader& r, const Schedule& schedule);
// Reads `pipeline_sends` (the training workload): true for `synchronous`,
// false for `asynchronous`; the default is the schedule's synchronous_sends().
[[nodiscard]] bool read_synchronous_sends(config::Reader& r, const Schedule& schedule);

// The V placement of ZB-V and V-Half: chunk 0 runs down the devices, chunk 1
// back up, so virtual stages s and 2p−1−s share device s.
[[nodiscard]] constexpr int v_shape_device(int chunk, int position, int stages) {
  return chunk % 2 == 0 ? position : stages - 1 - position;
}

using ScheduleRegistry = config::Registry<std::shared_ptr<const Schedule>>;

void register_builtin(ScheduleRegistry& schedules);

}  // namespace orrery::workload
