// `pipeline`: a pipeline of p stages, one per device, running m micro-batches
// under a registered schedule, with each stage's forward, backward and weight
// gradient times given (the profiled compute model: users replay times they
// measured). Each stage sends `activation_size` bytes of activations forward
// and of gradients backward per micro-batch, over the cluster network. The
// pipeline-graph builder (pipeline_graph.hpp) emits one compute task per
// (operation, micro-batch, chunk), the transfers between consecutive virtual
// stages on different devices, the data dependencies, and the order the
// schedule gives each device; bubbles come out of executing that graph.
//
// Backward: when the schedule splits it (Schedule::splits_backward), B is the
// input gradient (`backward`) and W the weight gradient (`weight`), a task of
// kind weight_grad after the B of the same micro-batch and chunk; otherwise
// one fused backward takes `backward` + `weight`. Activations
// (`activation_memory` per micro-batch and chunk) are held from the end of F
// to the end of W when the backward is split, to the end of the fused B
// otherwise.
#pragma once

#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload {

struct PipelineParams {
  int stages = 0;
  int micro_batches = 0;
  int chunks = 1;
  std::shared_ptr<const Schedule> schedule;
  Bytes activation_size;    // sent between consecutive stages, per micro-batch, each way
  Bytes activation_memory;  // held per micro-batch and chunk from the end of F to the end of W (or fused B)
  std::vector<Duration> forward;   // one per stage, or one for all
  std::vector<Duration> backward;  // idem; the input gradient B alone when the schedule splits the backward
  std::vector<Duration> weight;    // idem; the weight gradient W (0 by default)
  SourceLocation stages_at;        // for errors found when the cluster is known
  SourceLocation micro_batches_at;

  static PipelineParams read(config::Reader& r, const ScheduleRegistry& schedules);
};

class PipelineWorkload final : public Workload {
 public:
  explicit PipelineWorkload(PipelineParams p) : p_(std::move(p)) {}
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  void summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const override;
  [[nodiscard]] bool iterates() const override { return true; }

  // The time of one operation of `stage` for one chunk: the stage's time split
  // evenly over its chunks; a fused backward (schedules that do not split it)
  // takes backward + weight.
  [[nodiscard]] Duration op_time(PipeOpType type, int stage) const;

 private:
  PipelineParams p_;
};

}  // namespace orrery::workload
