// Data-parallel gradient synchronisation, per stage and tp rank, through the
// network (where it contends): without ZeRO-2/3, the gradients are
// all-reduced (reduce-scattered under a sharded optimizer) in buckets, one
// bucket after another as Megatron's and PyTorch DDP's buckets are; they
// start once the stage's whole backward is done, chunk after chunk
// (`grad_reduce: after_backward`, Megatron-LM's train step), or each chunk's
// at its own last backward (`per_chunk`). Under ZeRO-2/3 each micro-batch's
// gradients are reduce-scattered after its backward. The tied word
// embedding's gradient is summed between the first and the last stage (after
// their buckets, under after_backward).
#include <algorithm>
#include <cmath>

#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

std::vector<TaskId> add_buckets(TrainingLowering& l, CollectiveOp op, const std::vector<DeviceId>& group,
                                double total, std::string_view name, int micro_batch, int stage,
                                const std::vector<TaskId>& after) {
  const auto bucket = static_cast<double>(l.p.bucket_size.count());
  const auto buckets = static_cast<int>(std::ceil(total / bucket));
  std::vector<TaskId> out;
  TaskId prev;
  for (int k = 0; k < buckets; ++k) {
    const double bytes = std::min(bucket, total - k * bucket);
    const TaskId x = l.g.add(collective(op, group, Bytes(static_cast<std::int64_t>(bytes))),
                             TaskKind::kCollective, name, micro_batch, stage);
    // Bucket k > 0 waits for bucket k-1, which waited for `after`: the edges
    // from `after` to it would change nothing, and cost a release each.
    if (prev.valid()) {
      l.g.depend(prev, x);
    } else {
      for (TaskId a : after) l.g.depend(a, x);
    }
    prev = x;
    out.push_back(x);
  }
  return out;
}

namespace {

// ZeRO-2/3: one reduce-scatter per micro-batch after its backward in every replica.
void add_per_micro_batch(TrainingLowering& l, const std::vector<DeviceId>& group, double bytes, int vs, int s,
                         std::vector<TaskId>& reduced) {
  for (int mb = 0; mb < l.micro_batches(); ++mb) {
    const TaskId rs =
        l.g.add(collective(CollectiveOp::kReduceScatter, group, Bytes(static_cast<std::int64_t>(bytes))),
                TaskKind::kCollective, "dp reduce_scatter", mb, s);
    for (const int d : l.built_replicas()) l.g.depend(l.op(d, l.pipeline.frees(), mb, vs), rs);
    reduced.push_back(rs);
  }
}

// The buckets of chunk `c` on stage `s` (tp rank's group `group`). Per chunk,
// they wait for the chunk's last backward in every replica (and, for the
// first chunk, the stage's vocabulary passes). After the backward, chunk 0's
// wait for the stage's last backward of every chunk and the vocabulary
// passes, and chunk c's for the last bucket of the chunks before it
// (`previous`, invalid before the first): one stream, chunk after chunk, as
// Megatron-LM's finish of the gradient sync (and 2021's allreduce_gradients)
// loops over the model chunks.
std::vector<TaskId> add_chunk_buckets(TrainingLowering& l, const std::vector<DeviceId>& group, int c, int s,
                                      TaskId previous) {
  std::vector<TaskId> after;
  if (!l.p.reduce_per_chunk() && previous.valid()) {
    after.push_back(previous);  // which waited for the whole backward
  } else {
    for (const int d : l.built_replicas()) {
      if (l.p.reduce_per_chunk()) {
        after.push_back(l.last_backward(d, l.pipeline.virtual_stage(c, s)));
      } else {
        for (int k = 0; k < l.pipeline.shape().chunks; ++k)
          after.push_back(l.last_backward(d, l.pipeline.virtual_stage(k, s)));
      }
      if (c == 0 || !l.p.reduce_per_chunk()) {
        const auto& passes = l.vocab_passes(d, s);
        after.insert(after.end(), passes.begin(), passes.end());
      }
    }
  }
  const bool scatter = l.sharded_optimizer();
  return add_buckets(l, scatter ? CollectiveOp::kReduceScatter : CollectiveOp::kAllReduce, group,
                     l.parameters(c, s) * l.grad_bytes(), scatter ? "dp reduce_scatter" : "dp all_reduce", -1, s,
                     after);
}

// grad_reduce overlap: the buckets of chunk `c` on stage `s`, each started as
// soon as its gradients are ready in the chunk's last backward (run in pieces,
// one per layer: TrainingOps::pieces) in every replica, one after another
// after `previous`. Buckets fill in backward order, as torch DDP's and
// Megatron-Core's do: the output layer's gradients (with the first piece),
// the layers' (piece by piece), the input embedding's (after the last).
std::vector<TaskId> add_overlapped_buckets(TrainingLowering& l, const std::vector<DeviceId>& group, int c, int s,
                                           TaskId previous) {
  const int vs = l.pipeline.virtual_stage(c, s);
  const VirtualStageCost& vc = l.costs[static_cast<std::size_t>(vs)];
  const double total = vc.parameters * l.grad_bytes();
  // The chain waits for the buckets before it and, for chunk 0, the vocabulary passes.
  std::vector<TaskId> after;
  if (previous.valid()) after.push_back(previous);
  if (c == 0) {
    for (const int d : l.built_replicas()) {
      const auto& passes = l.vocab_passes(d, s);
      after.insert(after.end(), passes.begin(), passes.end());
    }
  }
  const bool scatter = l.sharded_optimizer();
  const std::vector<TaskId> buckets =
      add_buckets(l, scatter ? CollectiveOp::kReduceScatter : CollectiveOp::kAllReduce, group, total,
                  scatter ? "dp reduce_scatter" : "dp all_reduce", -1, s, after);
  // Each bucket also waits for the piece that completes its gradients.
  const double front = vc.first_piece_parameters * l.grad_bytes();
  const double back = vc.last_piece_parameters * l.grad_bytes();
  const double layer = std::max(0.0, total - front - back) / std::max(1, vc.layers);
  const auto bucket = static_cast<double>(l.p.bucket_size.count());
  const int last_mb = l.micro_batches() - 1;
  std::vector<std::vector<TaskId>> pieces;
  for (const int d : l.built_replicas()) pieces.push_back(l.pipeline.pieces(d, PipeOpType::kBackward, last_mb, vs));
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    const double end = std::min(total, static_cast<double>(k + 1) * bucket);  // bytes of gradients it needs
    int ready = 0;
    if (end > front + layer * vc.layers) {
      ready = vc.layers - 1;
    } else if (end > front) {
      ready = std::clamp(static_cast<int>(std::ceil((end - front) / layer - 1e-9)) - 1, 0, vc.layers - 1);
    }
    for (const auto& p : pieces) {
      l.g.depend(p[static_cast<std::size_t>(std::min<int>(ready, static_cast<int>(p.size()) - 1))], buckets[k]);
    }
  }
  return buckets;
}

// The order in which stage `s` runs its chunks' last backwards.
std::vector<int> chunks_by_last_backward(const TrainingLowering& l, int s) {
  std::vector<std::pair<std::size_t, int>> last;
  const auto& order = l.pipeline.order(s);
  for (int c = 0; c < l.pipeline.shape().chunks; ++c) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < order.size(); ++i)
      if (order[i].type == PipeOpType::kBackward && order[i].chunk == c) at = i;
    last.emplace_back(at, c);
  }
  std::sort(last.begin(), last.end());
  std::vector<int> out;
  for (const auto& [at, c] : last) out.push_back(c);
  return out;
}

// The tied word embedding: its gradient is summed between the first and the
// last stage of every replica, per tp rank. After the backward, it follows
// both stages' data-parallel buckets of its tp rank (`last_bucket[s][r]`,
// invalid where there are none), as Megatron-LM's train step sums it after
// the data-parallel all-reduce.
void add_embedding_sync(TrainingLowering& l, std::vector<std::vector<TaskId>>& stage_reduced,
                        const std::vector<std::vector<TaskId>>& last_bucket) {
  const int last_vs = l.virtual_stages() - 1;
  const int s_first = l.pipeline.device_of(0);
  const int s_last = l.pipeline.device_of(last_vs);
  const ParallelPlan& plan = l.plan();
  const Bytes bytes(static_cast<std::int64_t>(
      static_cast<double>(l.p.model.vocab / plan.tp * l.p.model.hidden) * l.grad_bytes()));
  for (const int d : l.built_replicas()) {
    for (int r = 0; r < plan.tp; ++r) {
      const TaskId x = l.g.add(
          collective(CollectiveOp::kAllReduce,
                     {plan.device(Coord{r, 0, d, s_first}), plan.device(Coord{r, 0, d, s_last})}, bytes),
          TaskKind::kCollective, "embedding all_reduce", -1, s_first);
      l.g.depend(l.last_backward(d, 0), x);
      l.g.depend(l.last_backward(d, last_vs), x);
      for (const int s : {s_first, s_last}) {
        const TaskId after = last_bucket[static_cast<std::size_t>(s)][static_cast<std::size_t>(r)];
        if (!l.p.reduce_per_chunk() && after.valid()) l.g.depend(after, x);
      }
      stage_reduced[static_cast<std::size_t>(s_first)].push_back(x);
      stage_reduced[static_cast<std::size_t>(s_last)].push_back(x);
    }
  }
}

}  // namespace

std::vector<std::vector<TaskId>> add_gradient_sync(TrainingLowering& l) {
  const int p = l.stages();
  std::vector<std::vector<TaskId>> stage_reduced(static_cast<std::size_t>(p));
  const bool tied = l.p.model.tied_embeddings && !l.p.vocab_parallel &&
                    l.pipeline.device_of(0) != l.pipeline.device_of(l.virtual_stages() - 1);
  // Per stage and tp rank, the last data-parallel bucket (the end of its chain).
  std::vector<std::vector<TaskId>> last_bucket(static_cast<std::size_t>(p),
                                               std::vector<TaskId>(static_cast<std::size_t>(l.plan().tp)));
  for (int s = 0; s < p; ++s) {
    std::vector<TaskId>& reduced = stage_reduced[static_cast<std::size_t>(s)];
    if (l.overlaps_reduce()) {
      for (int r = 0; r < l.plan().tp; ++r) {
        const auto group = l.dp_group(r, s);
        TaskId& last = last_bucket[static_cast<std::size_t>(s)][static_cast<std::size_t>(r)];
        for (const int c : chunks_by_last_backward(l, s)) {
          const auto x = add_overlapped_buckets(l, group, c, s, last);
          reduced.insert(reduced.end(), x.begin(), x.end());
          if (!x.empty()) last = x.back();
        }
      }
      continue;
    }
    for (int c = 0; c < l.pipeline.shape().chunks; ++c) {
      for (int r = 0; r < l.plan().tp; ++r) {
        if (l.dp_ranks() == 1) continue;
        const auto group = l.dp_group(r, s);
        if (l.sharded_grads()) {
          add_per_micro_batch(l, group, l.parameters(c, s) * l.grad_bytes(), l.pipeline.virtual_stage(c, s),
                              s, reduced);
        } else {
          TaskId& last = last_bucket[static_cast<std::size_t>(s)][static_cast<std::size_t>(r)];
          const auto x = add_chunk_buckets(l, group, c, s, last);
          reduced.insert(reduced.end(), x.begin(), x.end());
          if (!x.empty()) last = x.back();  // a chunk without parameters has no buckets
        }
      }
    }
  }
  if (tied) add_embedding_sync(l, stage_reduced, last_bucket);
  return stage_reduced;
}

}  // namespace orrery::workload::training
