// Vocabulary parallelism (Yeung et al. 2024) in the task graph: per
// micro-batch, the last stage's output is broadcast over the pipeline, every
// stage runs its S pass, the softmax's partial statistics are all-reduced,
// every stage runs its T pass, and the input gradients are reduced back to the
// last stage, whose backward waits for them. S and T are not in the
// schedule's order: each runs when its inputs are there and its device is
// free, so they fill bubbles where there are some. The input layer is split
// the same way: every stage looks up its rows, the partial embeddings are
// reduced to the first stage before its first forward, and the embedding's
// gradient is broadcast back after its last backward for each stage to
// accumulate its rows'.
#include <algorithm>

#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

namespace {

// Vocabulary pass `i` (VocabCosts::entry: S, T, the input shard's lookup and
// gradient) on `dev`, for the pricing pass (zero when profiled: no entry).
ComputeWork priced(DeviceId dev, const VocabCosts& vc, int i) {
  ComputeWork w{dev, Duration{}};
  w.cost = vc.entry[static_cast<std::size_t>(i)];
  return w;
}

Bytes bytes(double b) {
  return Bytes(static_cast<std::int64_t>(b));
}

// The stage leads of one replica, in device order (the collectives' ranks).
struct Pipe {
  std::vector<DeviceId> leads;
  int rank_of(DeviceId d) const {
    return static_cast<int>(std::find(leads.begin(), leads.end(), d) - leads.begin());
  }
};

CollectiveWork rooted(CollectiveOp op, const Pipe& pipe, double b, DeviceId root) {
  CollectiveWork w = collective(op, pipe.leads, bytes(b));
  w.root = pipe.rank_of(root);
  return w;
}

void add_output_layer(TrainingLowering& l, const VocabCosts& vc, const Pipe& pipe, int d, int mb) {
  const int p = l.stages();
  const int last_vs = l.virtual_stages() - 1;
  const int s_last = l.pipeline.device_of(last_vs);
  TaskGraph& g = l.g;
  const TaskId bcast = g.add(rooted(CollectiveOp::kBroadcast, pipe, vc.hidden_bytes, l.lead(d, s_last)),
                             TaskKind::kCollective, "vocab broadcast", mb, s_last);
  g.depend(l.op(d, PipeOpType::kForward, mb, last_vs), bcast);
  const TaskId stats = g.add(collective(CollectiveOp::kAllReduce, pipe.leads, bytes(vc.stats_bytes)),
                             TaskKind::kCollective, "vocab all_reduce", mb, s_last);
  const TaskId reduce = g.add(rooted(CollectiveOp::kReduce, pipe, vc.hidden_bytes, l.lead(d, s_last)),
                              TaskKind::kCollective, "vocab reduce", mb, s_last);
  for (int s = 0; s < p; ++s) {
    const DeviceId dev = l.lead(d, s);
    const TaskId S = g.add(priced(dev, vc, 0), TaskKind::kForward, "S (vocab)", mb, s);
    const TaskId T = g.add(priced(dev, vc, 1), TaskKind::kBackward, "T (vocab)", mb, s);
    g.on_end(S, MemoryEffect{dev, MemoryCategory::kActivations, bytes(vc.logits_bytes)});
    g.on_end(T, MemoryEffect{dev, MemoryCategory::kActivations, Bytes(0) - bytes(vc.logits_bytes)});
    g.depend(bcast, S);
    g.depend(S, stats);
    g.depend(stats, T);
    g.depend(T, reduce);
    if (mb == l.micro_batches() - 1) l.vocab_passes(d, s).push_back(T);
  }
  g.depend(reduce, l.op_entry(d, PipeOpType::kBackward, mb, last_vs));
}

void add_input_layer(TrainingLowering& l, const VocabCosts& vc, const Pipe& pipe, int d, int mb) {
  const int s_first = l.pipeline.device_of(0);
  TaskGraph& g = l.g;
  const TaskId gather_in = g.add(rooted(CollectiveOp::kReduce, pipe, vc.hidden_bytes, l.lead(d, s_first)),
                                 TaskKind::kCollective, "vocab input reduce", mb, s_first);
  g.depend(gather_in, l.op_entry(d, PipeOpType::kForward, mb, 0));
  const TaskId grad_in = g.add(rooted(CollectiveOp::kBroadcast, pipe, vc.hidden_bytes, l.lead(d, s_first)),
                               TaskKind::kCollective, "vocab input broadcast", mb, s_first);
  g.depend(l.op(d, PipeOpType::kBackward, mb, 0), grad_in);
  for (int s = 0; s < l.stages(); ++s) {
    const DeviceId dev = l.lead(d, s);
    const TaskId lookup =
        g.add(priced(dev, vc, 2), TaskKind::kForward, "embedding shard", mb, s);
    g.depend(lookup, gather_in);
    const TaskId accumulate =
        g.add(priced(dev, vc, 3), TaskKind::kBackward, "embedding shard gradient", mb, s);
    g.depend(grad_in, accumulate);
    if (mb == l.micro_batches() - 1) l.vocab_passes(d, s).push_back(accumulate);
  }
}

}  // namespace

void add_vocab_parallel(TrainingLowering& l, const VocabCosts& vc) {
  for (const int d : l.built_replicas()) {
    Pipe pipe;
    for (int s = 0; s < l.stages(); ++s) pipe.leads.push_back(l.lead(d, s));
    std::sort(pipe.leads.begin(), pipe.leads.end(),
              [](DeviceId x, DeviceId y) { return x.value() < y.value(); });
    for (int mb = 0; mb < l.micro_batches(); ++mb) {
      add_output_layer(l, vc, pipe, d, mb);
      add_input_layer(l, vc, pipe, d, mb);
    }
  }
}

// Every stage's backward of micro-batch i waits, through the last stage, for
// the vocabulary passes of i on all stages. So that this barrier does not
// stall the pipeline, every stage runs each backward one forward later than
// the schedule says — one more micro-batch in flight everywhere, as the
// vocabulary-parallel schedules do (Yeung et al. 2024, §4–5). W stays after its B.
std::vector<PipeOp> delay_backwards(const std::vector<PipeOp>& ops, int micro_batches) {
  std::vector<PipeOp> out;
  std::vector<PipeOp> held_b, held_w;
  std::vector<std::vector<bool>> b_done(2, std::vector<bool>(static_cast<std::size_t>(micro_batches), false));
  const auto emit_b = [&](const PipeOp& b) {
    out.push_back(b);
    b_done[static_cast<std::size_t>(b.chunk % 2)][static_cast<std::size_t>(b.micro_batch)] = true;
    for (auto w = held_w.begin(); w != held_w.end();) {
      if (w->micro_batch == b.micro_batch && w->chunk == b.chunk) {
        out.push_back(*w);
        w = held_w.erase(w);
      } else {
        ++w;
      }
    }
  };
  for (const PipeOp& o : ops) {
    if (o.type == PipeOpType::kBackward) {
      held_b.push_back(o);
    } else if (o.type == PipeOpType::kWeight &&
               !b_done[static_cast<std::size_t>(o.chunk % 2)][static_cast<std::size_t>(o.micro_batch)]) {
      held_w.push_back(o);
    } else {
      out.push_back(o);
      if (o.type != PipeOpType::kForward) continue;
      for (auto b = held_b.begin(); b != held_b.end();) {
        if (b->chunk == o.chunk && b->micro_batch < o.micro_batch) {
          const PipeOp x = *b;
          b = held_b.erase(b);
          emit_b(x);
        } else {
          ++b;
        }
      }
    }
  }
  for (const PipeOp& b : std::vector<PipeOp>(held_b)) emit_b(b);
  return out;
}

}  // namespace orrery::workload::training
