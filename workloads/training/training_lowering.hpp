// What the concerns of the training lowering share, and their entry points.
// TrainingWorkload::lower (training_lower.cpp) prices the virtual stages,
// builds one TrainingLowering and hands it to each concern in turn; each adds
// its part of the task graph in its own file:
//
//   add_pipeline         training_pipeline.cpp: the schedule's F/B/W per replica and stage, the
//                        sends; training_groups.cpp: tp, cp, ep collectives as heads and tails
//   add_vocab_parallel   training_vocab_lower.cpp: output and input layers split over the stages
//   add_zero3_gathers    training_zero.cpp: ZeRO-3 parameter all-gathers with prefetch
//   add_gradient_sync    training_grad_sync.cpp: data-parallel reductions in buckets, the tied
//                        embedding's
//   add_model_states     training_optimizer.cpp: model states held from the start
//   add_optimizer_steps  training_optimizer.cpp: the step per stage group (on the host:
//                        training_offload.cpp), the sharded optimizer's all-gathers
//
// Task ids and edges follow that order, in which the executor starts tasks
// that become ready together: a new concern goes where its tasks belong in it
// (see workloads/README.md).
#pragma once

#include <string_view>
#include <vector>

#include "workloads/pipeline_graph.hpp"
#include "workloads/training/training.hpp"

namespace orrery::workload::training {

// 16-bit weights, as ZeRO gathers them and the host sends them back.
inline constexpr double kWeightBytes = 2.0;

struct TrainingLowering {
  const TrainingParams& p;
  const TrainingWorkload& workload;
  const ClusterShape& cluster;
  const DeviceFacts* device;  // null when profiled
  const std::vector<VirtualStageCost>& costs;
  PipelineGraph& pipeline;
  TaskGraph& g;
  // Per (replica, stage): the vocabulary passes after which the stage's
  // gradients are complete (empty without vocabulary parallelism).
  std::vector<std::vector<TaskId>> vocab_last;
  // The data-parallel replicas whose work the graph holds (ids, ascending):
  // all dp, or the representatives of a replica reduction
  // (Workload::lower_replicas). Per-replica work loops over these;
  // collectives over dp groups keep their whole group.
  std::vector<int> replicas;

  [[nodiscard]] const ParallelPlan& plan() const { return p.plan; }
  [[nodiscard]] const std::vector<int>& built_replicas() const { return replicas; }
  [[nodiscard]] int stages() const { return p.plan.pp; }
  [[nodiscard]] int micro_batches() const { return pipeline.shape().micro_batches; }
  [[nodiscard]] int virtual_stages() const { return pipeline.virtual_stages(); }
  // The ranks that hold a replica of each parameter: data- and context-parallel.
  [[nodiscard]] int dp_ranks() const { return p.plan.dp * p.plan.cp; }
  [[nodiscard]] double grad_bytes() const { return bytes_per_element(p.gradient_precision); }
  [[nodiscard]] bool sharded_grads() const { return p.zero_stage >= 2; }
  [[nodiscard]] bool sharded_optimizer() const { return p.zero_stage >= 1 || p.distributed_optimizer; }
  [[nodiscard]] bool overlaps_reduce() const { return p.overlaps_reduce(); }
  // The device that runs stage `stage`'s compute in replica `dp` (its tp × cp group's first).
  [[nodiscard]] DeviceId lead(int dp, int stage) const { return p.plan.device(Coord{0, 0, dp, stage}); }
  // Tensor-parallel rank `tp`'s data-parallel (and context-parallel) group on `stage`.
  [[nodiscard]] std::vector<DeviceId> dp_group(int tp, int stage) const {
    return p.plan.group(Coord{tp, 0, 0, stage}, {Axis::kDp, Axis::kCp});
  }
  // An operation's task (its last piece, where it runs in pieces), and the
  // task that what must come before it waits for (its first).
  [[nodiscard]] TaskId op(int dp, PipeOpType type, int micro_batch, int virtual_stage) const {
    return pipeline.task(dp, type, micro_batch, virtual_stage);
  }
  [[nodiscard]] TaskId op_entry(int dp, PipeOpType type, int micro_batch, int virtual_stage) const {
    return pipeline.entry(dp, type, micro_batch, virtual_stage);
  }
  // The operation after which a virtual stage's gradients are complete in replica `dp`.
  [[nodiscard]] TaskId last_backward(int dp, int virtual_stage) const {
    return pipeline.last(dp, pipeline.frees(), virtual_stage);
  }
  [[nodiscard]] std::vector<TaskId>& vocab_passes(int dp, int stage) {
    return vocab_last[static_cast<std::size_t>(dp * stages() + stage)];
  }
  // The parameters (on one tp rank) of the virtual stage that `stage` holds of `chunk`.
  [[nodiscard]] double parameters(int chunk, int stage) const {
    return costs[static_cast<std::size_t>(pipeline.virtual_stage(chunk, stage))].parameters;
  }
};

inline CollectiveWork collective(CollectiveOp op, std::vector<DeviceId> group, Bytes bytes) {
  CollectiveWork w;
  w.op = op;
  w.group = std::move(group);
  w.bytes = bytes;
  return w;
}

// `ops` with each backward B (and its W) moved after the next forward of the
// same chunk (vocabulary parallelism's extra micro-batch in flight).
[[nodiscard]] std::vector<PipeOp> delay_backwards(const std::vector<PipeOp>& ops, int micro_batches);

void add_pipeline(TrainingLowering& l);
void add_vocab_parallel(TrainingLowering& l, const VocabCosts& vc);
void add_zero3_gathers(TrainingLowering& l);
// Per stage, the reductions its optimizer step waits for.
[[nodiscard]] std::vector<std::vector<TaskId>> add_gradient_sync(TrainingLowering& l);
void add_model_states(TrainingLowering& l);
void add_optimizer_steps(TrainingLowering& l, const std::vector<std::vector<TaskId>>& stage_reduced);

// Collectives of `total` bytes in buckets of at most bucket_size, one after
// another; each also waits for every task in `after`. Returns them in order.
std::vector<TaskId> add_buckets(TrainingLowering& l, CollectiveOp op, const std::vector<DeviceId>& group,
                                double total, std::string_view name, int micro_batch, int stage,
                                const std::vector<TaskId>& after);

// The host tier (offload): the chain that replaces the optimizer step, and
// the transfer that brings `bytes` of a parameter shard back to `dev` before
// a ZeRO-3 gather (both priced by the pricing pass over the host's paths).
[[nodiscard]] TaskId add_host_optimizer_step(TrainingLowering& l, DeviceId dev, double local_parameters,
                                             int stage, const std::vector<TaskId>& before);
[[nodiscard]] DelayWork parameter_fetch(const TrainingLowering& l, DeviceId dev, double bytes);

}  // namespace orrery::workload::training
