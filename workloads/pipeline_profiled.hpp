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
//
// Iterations: `optimizer_step: synchronized` separates iterations by a global
// step, so one iteration takes the isolated makespan, every stage's wait for
// its first input and for the last stage included. `post_validation` (Qi et
// al., ICLR'24, §4) bypasses that synchronisation: stage s starts its next
// iteration as soon as its own last operation ends, so back-to-back
// iterations fill each other's staggered heads and tails and repeat every
// P = the longest stage span (first start to last end; a translated copy of
// the iteration meets every dependency, and no shorter period lets the stage
// with that span finish first). `iteration_time_s` and `bubble_fraction` are
// then over P: the bubble rate of the paper's §5.3, (cost − m(T_F+T_B+T_W)) /
// cost with the cost the largest execution time of all stages.
// `isolated_iteration_time_s` is always the makespan. The default is
// post-validation for the schedules the paper defines with it (ZB-H2, ZB-V:
// Schedule::post_validates), synchronized for the others; for schedules whose
// stage 0 spans the whole iteration (GPipe, 1F1B, interleaved, ZB-H1 with
// T_W ≤ T_B, V-Half) the two agree.
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
  bool post_validation = false;    // optimizer_step: iterations overlap (true) or are synchronised
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
  [[nodiscard]] Duration iteration_period(const Lowered& lowered, const TaskTimes& times) const override;

  // The time of one operation of `stage` for one chunk: the stage's time split
  // evenly over its chunks; a fused backward (schedules that do not split it)
  // takes backward + weight.
  [[nodiscard]] Duration op_time(PipeOpType type, int stage) const;

 private:
  PipelineParams p_;
};

}  // namespace orrery::workload
