// The end of the iteration, per pipeline stage: the model states each stage
// lead holds from the start (as sharded by ZeRO, transformer.hpp's
// model_state_bytes), the optimizer step of each stage group once its
// gradients are reduced (on the device, or on the host under offload:
// training_offload.cpp), and, under a sharded optimizer (ZeRO-1/2, Megatron's
// distributed optimizer), the all-gather of the updated weights in buckets.
#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

void add_model_states(TrainingLowering& l) {
  for (int s = 0; s < l.stages(); ++s) {
    const ModelStateBytes state = l.workload.model_state(s, l.costs);
    for (const int d : l.built_replicas()) {
      const DeviceId dev = l.lead(d, s);
      l.g.initial_memory(
          MemoryEffect{dev, MemoryCategory::kParameters, Bytes(static_cast<std::int64_t>(state.weights))});
      l.g.initial_memory(
          MemoryEffect{dev, MemoryCategory::kGradients, Bytes(static_cast<std::int64_t>(state.gradients))});
      l.g.initial_memory(
          MemoryEffect{dev, MemoryCategory::kOptimizer, Bytes(static_cast<std::int64_t>(state.optimizer))});
    }
  }
}

namespace {

// The device's step over `local` parameters, holding `gradient_bytes` of
// gradients. Under Megatron's kernels the step is more than Adam
// (megatron/optimizer/optimizer.py, MixedPrecisionOptimizer.step, and
// training.py): the gradient norm for clipping reads the main gradients
// (multi_tensor_l2norm), Adam (apex FusedAdam) reads and writes the states,
// the copy of the fp32 master weights into the 16-bit model weights reads the
// masters again (multi_tensor_scale, a separate kernel), and the next
// iteration's zero_grad_buffer writes zeros over every gradient the device
// holds. Eager PyTorch's step (torch.optim, gradients set to None) is Adam's alone.
OptimizerStep device_step(const TrainingParams& p, double local, double gradient_bytes) {
  OptimizerStep o = p.adam_step(static_cast<std::int64_t>(local));
  if (p.kernels != KernelSet::kMegatron || o.parameters <= 0) return o;
  o.bytes_read_per_parameter += bytes_per_element(p.gradient_precision);  // the norm
  if (p.master_weights) o.bytes_read_per_parameter += 4.0;                  // the copy's read
  o.bytes_written_per_parameter += gradient_bytes / static_cast<double>(o.parameters);  // zeroing
  return o;
}

// The step of stage `s` in every replica; each waits for the stage's
// reductions (all tp ranks; on the first and last stages the embedding's too),
// its own last backwards and vocabulary passes.
std::vector<TaskId> add_steps(TrainingLowering& l, int s, double local, const std::vector<TaskId>& reduced) {
  const ModelStateBytes state = l.workload.model_state(s, l.costs);
  std::vector<TaskId> steps;
  // One cost entry for the stage's step in every replica (none when profiled: no time).
  std::int32_t entry = -1;
  if (l.device && l.p.offload == Offload::kNone) {
    entry = l.g.add_cost(ComputeCost{{CostTerm{{device_step(l.p, local, state.gradients)}, 1.0}}});
  }
  for (const int d : l.built_replicas()) {
    const DeviceId dev = l.lead(d, s);
    std::vector<TaskId> before = reduced;
    for (int c = 0; c < l.pipeline.shape().chunks; ++c)
      before.push_back(l.last_backward(d, l.pipeline.virtual_stage(c, s)));
    for (TaskId pass : l.vocab_passes(d, s)) before.push_back(pass);
    if (l.p.offload != Offload::kNone) {
      steps.push_back(add_host_optimizer_step(l, dev, local, s, before));
      continue;
    }
    ComputeWork work{dev, Duration{}};
    work.cost = entry;
    const TaskId step = l.g.add(work, TaskKind::kOptimizer, "optimizer step", -1, s);
    for (TaskId b : before) l.g.depend(b, step);
    steps.push_back(step);
  }
  return steps;
}

}  // namespace

void add_optimizer_steps(TrainingLowering& l, const std::vector<std::vector<TaskId>>& stage_reduced) {
  const bool gather = l.sharded_optimizer() && l.p.zero_stage < 3 && l.dp_ranks() > 1;
  for (int s = 0; s < l.stages(); ++s) {
    double params = 0;
    for (int c = 0; c < l.pipeline.shape().chunks; ++c) params += l.parameters(c, s);
    const double local = l.sharded_optimizer() ? params / l.dp_ranks() : params;
    const std::vector<TaskId> steps = add_steps(l, s, local, stage_reduced[static_cast<std::size_t>(s)]);
    if (!gather) continue;  // ZeRO-3 gathers before each use instead (training_zero.cpp)
    for (int r = 0; r < l.plan().tp; ++r) {
      (void)add_buckets(l, CollectiveOp::kAllGather, l.dp_group(r, s), params * kWeightBytes, "dp all_gather",
                        -2, s, steps);
    }
  }
}

}  // namespace orrery::workload::training
