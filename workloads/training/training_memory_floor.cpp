// A floor under a plan's memory peak, before any simulation (orrery search's
// pruning): each pipeline stage's model states (as ZeRO shards them) plus the
// most activations its schedule ever holds at once. A device's activations
// depend only on its own order of operations (held from the end of F to the
// end of W, or of the fused backward), not on timing, so that count is exact;
// what the floor leaves out (the gathered parameters of ZeRO-3, the
// vocabulary-parallel logits, communication buffers, the optimizer step's
// workspace) only adds to the peak, so a plan above the floor never fits.
#include <algorithm>

#include "workloads/training/training.hpp"

namespace orrery::workload::training {

double TrainingWorkload::memory_floor() const {
  const ParallelPlan& plan = p_.plan;
  const auto costs = stage_costs();
  const PipelineShape shape{plan.pp, static_cast<int>(p_.micro_batches()), plan.vpp};
  const auto order = p_.schedule->order(shape);
  const PipeOpType release = p_.schedule->splits_backward() ? PipeOpType::kWeight : PipeOpType::kBackward;
  double worst = 0;
  for (int stage = 0; stage < plan.pp; ++stage) {
    double held = 0, most = 0;
    for (const PipeOp& op : order[static_cast<std::size_t>(stage)]) {
      const int vs = op.chunk * plan.pp + position_of(op.chunk, stage);
      const double a = costs[static_cast<std::size_t>(vs)].activation_bytes;
      if (op.type == PipeOpType::kForward) {
        held += a;
        most = std::max(most, held);
      } else if (op.type == release) {
        held -= a;
      }
    }
    worst = std::max(worst, model_state(stage, costs).total() + most);
  }
  return worst;
}

}  // namespace orrery::workload::training
