// `pipeline`: a pipeline of p stages, one per device, running m micro-batches
// under a registered schedule, with each stage's forward and backward times
// given (the profiled compute model: users replay times they measured). Each
// stage sends `activation_size` bytes of activations forward and of gradients
// backward per micro-batch, over the cluster network. The lowering emits one
// compute task per (operation, micro-batch, chunk), the transfers between
// consecutive virtual stages, the data dependencies, and the order the
// schedule gives each stage; bubbles come out of executing that graph.
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
  Bytes activation_memory;  // held per micro-batch and chunk from the end of F to the end of B
  std::vector<Duration> forward;   // one per stage, or one for all
  std::vector<Duration> backward;  // idem
  SourceLocation stages_at;        // for errors found when the cluster is known
  SourceLocation micro_batches_at;

  static PipelineParams read(config::Reader& r, const ScheduleRegistry& schedules);
};

class PipelineWorkload final : public Workload {
 public:
  explicit PipelineWorkload(PipelineParams p) : p_(std::move(p)) {}
  [[nodiscard]] TaskGraph lower(const ClusterShape& cluster) const override;
  void summarize(const TaskGraph& graph, const TaskTimes& times, Summary& out) const override;

  // The time of one operation of `stage` for one chunk: the stage's time split evenly over its chunks.
  [[nodiscard]] Duration op_time(PipeOpType type, int stage) const;

 private:
  PipelineParams p_;
};

}  // namespace orrery::workload
