// ZeRO-3 (Rajbhandari et al. SC20) in the task graph: one all-gather of a
// chunk's parameters before every F and B, shared by the replicas (a
// collective over the data- and context-parallel ranks of each tp rank),
// prefetched one operation ahead: it may start when the operation two before
// on the stage has ended. With parameter offload (ZeRO-Infinity) each rank's
// shard first comes back from the host.
//
// Memory: ZeRO-3 gathers module by module, prefetching the next while one
// computes (DeepSpeed's stage3_prefetch_bucket_size), so the gathered weights
// alive at once are about two layers: one layer's worth per operation here,
// the operation running and the one prefetched.
#include <algorithm>

#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

namespace {

// The gathers before operation k of stage s's order (one per tp rank).
void add_gathers(TrainingLowering& l, int s, std::size_t k) {
  const auto& ord = l.pipeline.order(s);
  const PipeOp& o = ord[k];
  const int vs = l.pipeline.virtual_stage(o.chunk, s);
  const double chunk_params = l.costs[static_cast<std::size_t>(vs)].parameters;
  const double layer_params = std::min(chunk_params, l.p.model.layer_parameters() / l.plan().tp);
  const Bytes live(static_cast<std::int64_t>(layer_params * kWeightBytes));
  const Bytes gathered(static_cast<std::int64_t>(chunk_params * kWeightBytes));
  TaskGraph& g = l.g;
  for (int r = 0; r < l.plan().tp; ++r) {
    const TaskId ag = g.add(collective(CollectiveOp::kAllGather, l.dp_group(r, s), gathered),
                            TaskKind::kCollective, "zero3 all_gather", o.micro_batch, s);
    for (const int d : l.built_replicas()) {
      const TaskId here = l.op(d, o.type, o.micro_batch, vs);
      TaskId before;
      if (k >= 2) {
        const PipeOp& b = ord[k - 2];
        before = l.op(d, b.type, b.micro_batch, l.pipeline.virtual_stage(b.chunk, s));
        g.depend(before, ag);
      }
      if (l.p.offload_params != Offload::kNone) {
        const double shard = chunk_params * kWeightBytes / l.dp_ranks();
        const TaskId fetch =
            g.add(parameter_fetch(l, l.lead(d, s), shard), TaskKind::kSend, "fetch parameters", o.micro_batch, s);
        if (before.valid()) g.depend(before, fetch);
        g.depend(fetch, ag);
      }
      g.depend(ag, l.op_entry(d, o.type, o.micro_batch, vs));
      if (r == 0) {
        g.on_end(ag, MemoryEffect{l.lead(d, s), MemoryCategory::kBuffers, live});
        g.on_end(here, MemoryEffect{l.lead(d, s), MemoryCategory::kBuffers, Bytes(0) - live});
      }
    }
  }
}

}  // namespace

void add_zero3_gathers(TrainingLowering& l) {
  for (int s = 0; s < l.stages(); ++s) {
    const auto& ord = l.pipeline.order(s);
    for (std::size_t k = 0; k < ord.size(); ++k) {
      if (ord[k].type != PipeOpType::kWeight) add_gathers(l, s, k);  // W needs no weights gathered
    }
  }
}

}  // namespace orrery::workload::training
