// The operations of one transformer layer (and of the embedding and output
// layers) for one micro-batch on one rank of a tp × cp group, split into
// forward (F), input gradient (B) and weight gradient (W), with the
// collectives inside them, priced by the device model.
//
// Shapes per rank, T = b·s/cp tokens, t = tp, k = top_k, e = experts per ep rank:
//   QKV  (T, (h + 2·kv_dim)/t, h)   output projection (T, h, h/t)
//   FC1  e × (T·k/e, ffn/t, h)      FC2 e × (T·k/e, h, ffn/t)
//   attention over a/t heads, each rank's s/cp queries against all s keys;
//   flash (one fused kernel, scores never stored) or unfused as in Megatron-LM
//   2022 (batched QKᵀ and PV GEMMs, fused scale-mask-softmax, dropout).
// Backward: every GEMM Y = X·W gives dX = dY·Wᵀ (B) and dW = Xᵀ·dY (W), each
// the forward's FLOPs; attention's backward is B only, twice the forward's
// FLOPs as Megatron counts (flash recomputes the scores: 2.5×, which we price);
// memory-bound kernels (norms, bias-dropout-add, GeLU, softmax) move 1.5× their
// forward bytes backward (they read the saved input and the incoming gradient
// and write one gradient: 3 tensors where the forward moved 2).
// Recompute: full repeats the layer's forward (and its collectives) inside B;
// selective repeats the attention core (Korthikanti et al. 2022, §5).
// Megatron's FLOP count (SC21, Eq. 3) is kept beside the priced work: GEMMs and
// attention over the full s² (whatever the kernel skips), per rank.
#include <fmt/format.h>

#include <algorithm>

#include "sim/core/error.hpp"
#include "workloads/training/training.hpp"

namespace orrery::workload::training {

namespace {

struct OpList {
  std::vector<Operation> ops;
  double model_flops = 0;
  std::vector<CommCall> comm;
  void gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, DType t) {
    ops.push_back(Gemm{m, n, k, batch, t});
    model_flops += 2.0 * static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n) *
                   static_cast<double>(k);
  }
  void memory(PointwiseKind kind, double bytes) {
    ops.push_back(Elementwise{kind, static_cast<std::int64_t>(bytes), 1.0 / 2});
  }
  void append(const OpList& o) {
    ops.insert(ops.end(), o.ops.begin(), o.ops.end());
    model_flops += o.model_flops;
    comm.insert(comm.end(), o.comm.begin(), o.comm.end());
  }
};

struct LayerOps {
  OpList f, b, w, core;  // core: the attention core's forward (selective recompute repeats it)
};

std::int64_t div_or_one(std::int64_t a, std::int64_t b) { return std::max<std::int64_t>(1, a / b); }

LayerOps layer_ops(const TrainingParams& p) {
  const TransformerSpec& m = p.model;
  const ParallelPlan& plan = p.plan;
  const DType dt = p.precision;
  const double eb = bytes_per_element(dt) < 2 ? 2.0 : bytes_per_element(dt);  // activations stay 16-bit under fp8
  const std::int64_t t = plan.tp;
  const std::int64_t s_local = m.seq_len / plan.cp;
  const std::int64_t tokens = p.micro_batch * s_local;
  const std::int64_t h = m.hidden;
  const std::int64_t kvd = m.kv_dim();
  const std::int64_t heads = div_or_one(m.heads, t);
  const std::int64_t kv_heads = div_or_one(m.kv_heads, t);
  const std::int64_t d = m.head_dim();
  const std::int64_t e_local = m.experts / plan.ep;
  const std::int64_t expert_tokens = div_or_one(tokens * m.top_k, e_local);
  const double rep = static_cast<double>(tokens * h) * eb / (plan.sequence_parallel ? static_cast<double>(t) : 1.0);
  const double ffn_act = static_cast<double>(tokens * m.top_k * (m.ffn_hidden / t)) * eb;
  const double scores = static_cast<double>(p.micro_batch * heads * s_local * m.seq_len);

  LayerOps L;
  // Forward.
  L.f.memory(PointwiseKind::kNorm, 2 * rep);  // layer norm: read, write
  L.f.gemm(tokens, (h + 2 * kvd) / t, h, 1, dt);
  if (p.attention == AttentionKernel::kFlash) {
    L.core.ops.push_back(Attention{p.micro_batch * plan.cp, heads, kv_heads, s_local, d, true, dt});
    L.core.model_flops += 4.0 * scores * static_cast<double>(d);
  } else {
    L.core.gemm(s_local, m.seq_len, d, p.micro_batch * heads, dt);  // QKᵀ
    L.core.memory(PointwiseKind::kSoftmax, 4 * scores);              // scale-mask-softmax: read, write 2-byte scores
    L.core.memory(PointwiseKind::kElementwise, 5 * scores);          // dropout: read, write, 1-byte mask
    L.core.gemm(s_local, d, m.seq_len, p.micro_batch * heads, dt);  // PV
  }
  L.f.append(L.core);
  L.f.gemm(tokens, h, h / t, 1, dt);
  L.f.memory(PointwiseKind::kElementwise, 3.5 * rep);  // bias-dropout-add: x, residual, out, 1-byte mask
  L.f.memory(PointwiseKind::kNorm, 2 * rep);
  L.f.gemm(expert_tokens, m.ffn_hidden / t, h, e_local, dt);
  L.f.memory(PointwiseKind::kElementwise, 2 * ffn_act);  // GeLU
  L.f.gemm(expert_tokens, h, m.ffn_hidden / t, e_local, dt);
  L.f.memory(PointwiseKind::kElementwise, 3.5 * rep);

  // Input gradient.
  for (const Operation& op : L.f.ops) {
    if (const auto* e = std::get_if<Elementwise>(&op)) L.b.memory(e->kind, 1.5 * static_cast<double>(e->bytes));
  }
  L.b.gemm(tokens, h, (h + 2 * kvd) / t, 1, dt);
  if (p.attention == AttentionKernel::kFlash) {
    // 2.5× the forward's matmuls: dV, dP, dS·K, dSᵀ·Q plus the recomputed QKᵀ.
    L.b.ops.push_back(Attention{2 * p.micro_batch * plan.cp, heads, kv_heads, s_local, d, true, dt});
    L.b.ops.push_back(Attention{p.micro_batch * plan.cp, div_or_one(heads, 2), div_or_one(kv_heads, 2), s_local, d, true, dt});
    L.b.model_flops += 8.0 * scores * static_cast<double>(d);
  } else {
    L.b.gemm(s_local, m.seq_len, d, p.micro_batch * heads, dt);  // dP = dO·Vᵀ
    L.b.gemm(m.seq_len, d, s_local, p.micro_batch * heads, dt);  // dV = Pᵀ·dO
    L.b.gemm(s_local, d, m.seq_len, p.micro_batch * heads, dt);  // dQ = dS·K
    L.b.gemm(m.seq_len, d, s_local, p.micro_batch * heads, dt);  // dK = dSᵀ·Q
  }
  L.b.gemm(tokens, h / t, h, 1, dt);
  L.b.gemm(expert_tokens, m.ffn_hidden / t, h, e_local, dt);
  L.b.gemm(expert_tokens, h, m.ffn_hidden / t, e_local, dt);

  // Weight gradient.
  L.w.gemm(h, (h + 2 * kvd) / t, tokens, 1, dt);
  L.w.gemm(h / t, h, tokens, 1, dt);
  L.w.gemm(h, m.ffn_hidden / t, expert_tokens, e_local, dt);
  L.w.gemm(m.ffn_hidden / t, h, expert_tokens, e_local, dt);

  // Collectives inside the layer.
  const Bytes act(static_cast<std::int64_t>(static_cast<double>(tokens * h) * eb));
  std::vector<CommCall> fwd;
  if (t > 1) {
    if (plan.sequence_parallel) {
      fwd.push_back({CollectiveOp::kAllGather, Axis::kTp, act, 2});
      fwd.push_back({CollectiveOp::kReduceScatter, Axis::kTp, act, 2});
    } else {
      fwd.push_back({CollectiveOp::kAllReduce, Axis::kTp, act, 2});
    }
  }
  std::vector<CommCall> bwd = fwd;
  if (t > 1 && plan.sequence_parallel) {
    // Backward: the conjugates (2 reduce-scatters, 2 all-gathers) and the
    // all-gathers of the two sequence-split inputs that the weight gradients
    // need again, since the gathered tensors are not kept (Korthikanti et al.
    // 2022, §4.2.2): 4 all-gathers, 2 reduce-scatters.
    bwd = {{CollectiveOp::kAllGather, Axis::kTp, act, 4}, {CollectiveOp::kReduceScatter, Axis::kTp, act, 2}};
  }
  if (plan.cp > 1) {
    // Keys and values of the rank's s/cp tokens, gathered from the ring (S: the gathered buffer).
    const Bytes kv(static_cast<std::int64_t>(2.0 * static_cast<double>(tokens * (kvd / std::min(t, m.kv_heads))) * eb *
                                             plan.cp));
    fwd.push_back({CollectiveOp::kAllGather, Axis::kCp, kv, 1});
    bwd.push_back({CollectiveOp::kAllGather, Axis::kCp, kv, 1});
    bwd.push_back({CollectiveOp::kReduceScatter, Axis::kCp, kv, 1});
  }
  if (m.experts > 1 && plan.ep > 1) {
    const Bytes routed(static_cast<std::int64_t>(static_cast<double>(tokens * m.top_k * h) * eb));
    fwd.push_back({CollectiveOp::kAllToAll, Axis::kDp, routed, 2});  // dispatch, combine
    bwd.push_back({CollectiveOp::kAllToAll, Axis::kDp, routed, 2});
  }
  L.f.comm = fwd;
  L.b.comm = bwd;
  return L;
}

// One layer's cost times the layers of a chunk.
void scale(OpCost& c, double layers) {
  c.time = Duration::ns(static_cast<std::int64_t>(static_cast<double>(c.time.count()) * layers));
  c.model_flops *= layers;
  c.flops_no_recompute *= layers;
  c.uncalibrated = static_cast<int>(c.uncalibrated * layers);
  for (auto& x : c.comm) x.count = static_cast<int>(x.count * layers);
}

OpCost price(const OpList& l, const DeviceModel* device, double flops_no_recompute) {
  OpCost c;
  c.model_flops = l.model_flops;
  c.flops_no_recompute = flops_no_recompute;
  c.comm = l.comm;
  if (!device) return c;
  std::int64_t ns = 0;
  for (const Operation& op : l.ops) {
    const DeviceModel::OperationCost x = device->cost(op);
    ns += x.time.count();
    if (!x.calibrated) ++c.uncalibrated;
  }
  c.time = Duration::ns(ns);
  return c;
}

void add(OpCost& into, const OpCost& c) {
  into.time = into.time + c.time;
  into.model_flops += c.model_flops;
  into.flops_no_recompute += c.flops_no_recompute;
  into.uncalibrated += c.uncalibrated;
  for (const CommCall& x : c.comm) {
    auto same = std::find_if(into.comm.begin(), into.comm.end(),
                             [&](const CommCall& y) { return y.op == x.op && y.axis == x.axis && y.bytes == x.bytes; });
    if (same == into.comm.end()) {
      into.comm.push_back(x);
    } else {
      same->count += x.count;
    }
  }
}

}  // namespace

std::vector<VirtualStageCost> TrainingWorkload::stage_costs(const DeviceModel* device) const {
  const TransformerSpec& m = p_.model;
  const ParallelPlan& plan = p_.plan;
  const int p = plan.pp;
  const int v = plan.vpp;
  const int stages = p * v;
  const double layers = static_cast<double>(m.layers) / stages;
  const bool split = p_.schedule->splits_backward();
  const DType dt = p_.precision;
  const std::int64_t t = plan.tp;
  const std::int64_t tokens = p_.micro_batch * (m.seq_len / plan.cp);
  const double eb = 2.0;

  const LayerOps L = layer_ops(p_);
  OpList b_all = L.b;  // the backward with its recompute
  if (p_.recompute == Recompute::kFull) {
    b_all.append(L.f);
    b_all.comm = L.b.comm;
    b_all.comm.insert(b_all.comm.end(), L.f.comm.begin(), L.f.comm.end());
  } else if (p_.recompute == Recompute::kSelective) {
    b_all.append(L.core);
    b_all.comm = L.b.comm;
  }
  const OpCost f = price(L.f, device, L.f.model_flops);
  OpCost b = price(b_all, device, L.b.model_flops);
  OpCost w = price(L.w, device, L.w.model_flops);
  if (!split) {
    add(b, w);
    w = OpCost{};
  }

  // Embedding (first virtual stage) and output layer with the loss (last).
  OpList emb_f, emb_b, out_f, out_b, out_w;
  const bool vocab = p_.vocab_parallel && p > 1;  // the word embedding's lookup moves to every stage (vocab_costs)
  if (!vocab) emb_f.ops.push_back(Embedding{tokens, m.hidden, m.vocab / t, dt});
  emb_f.memory(PointwiseKind::kElementwise, 3.5 * static_cast<double>(tokens * m.hidden) * eb);  // + position, dropout
  if (!vocab) emb_b.memory(PointwiseKind::kElementwise, static_cast<double>(tokens * m.hidden) * (eb + 4));  // scatter-add into fp32
  OpList out_norm_f, out_norm_b;  // the final layer norm alone (vocabulary parallelism moves the rest)
  out_norm_f.memory(PointwiseKind::kNorm, 2 * static_cast<double>(tokens * m.hidden) * eb);
  out_norm_b.memory(PointwiseKind::kNorm, 3 * static_cast<double>(tokens * m.hidden) * eb);
  out_f.memory(PointwiseKind::kNorm, 2 * static_cast<double>(tokens * m.hidden) * eb);
  out_f.ops.push_back(VocabProjection{tokens, m.hidden, m.vocab / t, dt});
  out_f.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * (m.vocab / t));
  const double logits = static_cast<double>(tokens * (m.vocab / t));
  out_f.memory(PointwiseKind::kSoftmax, logits * (eb + 4));  // cross-entropy in fp32
  out_b.memory(PointwiseKind::kSoftmax, logits * (4 + eb));
  out_b.ops.push_back(VocabProjection{tokens, m.hidden, m.vocab / t, dt});
  out_b.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * (m.vocab / t));
  out_b.memory(PointwiseKind::kNorm, 3 * static_cast<double>(tokens * m.hidden) * eb);
  out_w.ops.push_back(VocabProjection{tokens, m.hidden, m.vocab / t, dt});
  out_w.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * (m.vocab / t));
  if (t > 1) {  // the loss's max and sum over the vocabulary shards; the input gradient's all-reduce
    const Bytes stats(static_cast<std::int64_t>(tokens) * 4);
    out_f.comm.push_back({CollectiveOp::kAllReduce, Axis::kTp, stats, 2});
    out_b.comm.push_back({CollectiveOp::kAllReduce, Axis::kTp,
                          Bytes(static_cast<std::int64_t>(static_cast<double>(tokens * m.hidden) * eb)), 1});
  }

  ActivationShape shape{p_.micro_batch, plan.tp, plan.cp, plan.sequence_parallel, p_.recompute,
                        p_.attention == AttentionKernel::kUnfused};
  const double act_layer = activation_bytes_per_layer(m, shape);

  std::vector<VirtualStageCost> out(static_cast<std::size_t>(stages));
  for (int vs = 0; vs < stages; ++vs) {
    VirtualStageCost& c = out[static_cast<std::size_t>(vs)];
    c.forward = f;
    c.backward = b;
    c.weight = w;
    scale(c.forward, layers);
    scale(c.backward, layers);
    scale(c.weight, layers);
    c.parameters = layers * m.layer_parameters() / static_cast<double>(t);
    // Experts are split over ep ranks too.
    if (m.experts > 1 && plan.ep > 1) {
      const double h = static_cast<double>(m.hidden);
      const double expert = 2 * h * static_cast<double>(m.ffn_hidden) + static_cast<double>(m.ffn_hidden) + h;
      c.parameters -= layers * static_cast<double>(m.experts) * expert * (1.0 - 1.0 / plan.ep) / static_cast<double>(t);
    }
    c.activation_bytes = layers * act_layer;
    if (vs == 0) {
      add(c.forward, price(emb_f, device, 0));
      add(c.backward, price(emb_b, device, 0));
      // The word embedding (unless split over the stages with the output layer it is tied to) and the positions.
      c.parameters += (vocab ? 0.0 : static_cast<double>(m.vocab) * static_cast<double>(m.hidden) / static_cast<double>(t)) +
                      static_cast<double>(m.seq_len * m.hidden);
    }
    if (vs == stages - 1 && p_.vocab_parallel) {
      add(c.forward, price(out_norm_f, device, 0));
      add(c.backward, price(out_norm_b, device, 0));
      c.parameters += 2.0 * static_cast<double>(m.hidden);
    } else if (vs == stages - 1) {
      add(c.forward, price(out_f, device, out_f.model_flops));
      add(c.backward, price(out_b, device, out_b.model_flops));
      add(split ? c.weight : c.backward, price(out_w, device, out_w.model_flops));
      if (stages > 1) c.parameters += static_cast<double>(m.vocab) * static_cast<double>(m.hidden) / static_cast<double>(t);
      c.parameters += 2.0 * static_cast<double>(m.hidden);  // final layer norm
      c.activation_bytes += logits * 4;                      // fp32 logits kept for the loss's backward
    }
  }
  if (vocab) {
    // Each stage's chunk 0 carries its V/(p·t) share of the vocabulary's rows,
    // used by both the input and the output layer (tied, as Yeung et al. keep
    // them: each stage's input and output shards are the same rows).
    for (int s = 0; s < p; ++s) {
      out[static_cast<std::size_t>(position_of(0, s))].parameters +=
          static_cast<double>(m.vocab) * static_cast<double>(m.hidden) / static_cast<double>(t * p);
    }
  }
  return out;
}

// Vocabulary parallelism (Yeung et al. 2024): each of the p stages computes
// the logits of its V/(p·t) share of the vocabulary for every micro-batch (the
// S pass: projection, the softmax's partial max and sum) and, once the
// partial statistics are all-reduced over the pipeline, its share of the
// loss gradient, the input gradient and the weight gradient (the T pass).
VocabCosts TrainingWorkload::vocab_costs(const DeviceModel* device) const {
  const TransformerSpec& m = p_.model;
  const std::int64_t t = p_.plan.tp;
  const std::int64_t tokens = p_.micro_batch * (m.seq_len / p_.plan.cp);
  const std::int64_t v_local = std::max<std::int64_t>(1, m.vocab / (t * p_.plan.pp));
  const DType dt = p_.precision;
  const double logits = static_cast<double>(tokens * v_local);
  OpList s, tt;
  s.ops.push_back(VocabProjection{tokens, m.hidden, v_local, dt});
  s.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * v_local);
  s.memory(PointwiseKind::kSoftmax, logits * 6);  // fp32 logits written, partial max and sum
  tt.memory(PointwiseKind::kSoftmax, logits * 6);
  tt.ops.push_back(VocabProjection{tokens, m.hidden, v_local, dt});
  tt.ops.push_back(VocabProjection{tokens, m.hidden, v_local, dt});
  tt.model_flops += 4.0 * static_cast<double>(tokens * m.hidden * v_local);
  VocabCosts out;
  out.s = price(s, device, s.model_flops);
  out.t = price(tt, device, tt.model_flops);
  // The input layer's shard: look up the rows of this stage's vocabulary (the
  // others write zeros), and in the backward accumulate their gradients.
  OpList in_f, in_b;
  in_f.ops.push_back(Embedding{tokens, m.hidden, v_local, dt});
  in_b.memory(PointwiseKind::kElementwise, static_cast<double>(tokens * m.hidden) * 2 / p_.plan.pp + static_cast<double>(v_local * m.hidden) * 8 / p_.plan.pp);
  out.input_f = price(in_f, device, 0);
  out.input_b = price(in_b, device, 0);
  out.logits_bytes = logits * 4;
  out.hidden_bytes = static_cast<double>(tokens * m.hidden) * 2;
  out.stats_bytes = static_cast<double>(tokens) * 8;  // max and sum in fp32
  return out;
}

}  // namespace orrery::workload::training

namespace orrery::workload::training {

std::vector<std::pair<DeviceId, DeviceId>> TrainingWorkload::memory_mirrors(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  std::vector<std::pair<DeviceId, DeviceId>> out;
  for (int pp = 0; pp < plan.pp; ++pp) {
    for (int dp = 0; dp < plan.dp; ++dp) {
      const DeviceId lead = plan.device(Coord{0, 0, dp, pp});
      for (int cp = 0; cp < plan.cp; ++cp) {
        for (int tp = 0; tp < plan.tp; ++tp) {
          const DeviceId d = plan.device(Coord{tp, cp, dp, pp});
          if (d != lead && d.value() < cluster.devices) out.emplace_back(d, lead);
        }
      }
    }
  }
  return out;
}

std::vector<DeviceId> TrainingWorkload::replica_devices(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  std::vector<DeviceId> out;
  for (int pp = 0; pp < plan.pp; ++pp) {
    for (int cp = 0; cp < plan.cp; ++cp) {
      for (int tp = 0; tp < plan.tp; ++tp) {
        const DeviceId d = plan.device(Coord{tp, cp, 0, pp});
        if (d.value() < cluster.devices) out.push_back(d);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](DeviceId a, DeviceId b) { return a.value() < b.value(); });
  return out;
}

// Each device writes the states no other device holds: data- and
// context-parallel replicas hold the same weights (and, unsharded, the same
// optimizer states), so only the first replica writes those; what ZeRO (or the
// distributed optimizer) shards, every replica writes its own share of.
std::vector<std::int64_t> TrainingWorkload::checkpoint_bytes(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  std::vector<std::int64_t> out(static_cast<std::size_t>(cluster.devices), 0);
  const bool weights_sharded = p_.zero_stage >= 3;
  const bool optimizer_sharded = p_.zero_stage >= 1 || p_.distributed_optimizer;
  for (int pp = 0; pp < plan.pp; ++pp) {
    // Offloaded states are checkpointed too (from the host): counted as if on the device.
    const ModelStateBytes m = model_state(pp, false);
    for (int dp = 0; dp < plan.dp; ++dp) {
      for (int cp = 0; cp < plan.cp; ++cp) {
        const bool first = dp == 0 && cp == 0;
        const double bytes = (weights_sharded || first ? m.weights : 0.0) + (optimizer_sharded || first ? m.optimizer : 0.0);
        for (int tp = 0; tp < plan.tp; ++tp) {
          const DeviceId d = plan.device(Coord{tp, cp, dp, pp});
          if (d.value() < cluster.devices) out[static_cast<std::size_t>(d.value())] = static_cast<std::int64_t>(bytes);
        }
      }
    }
  }
  return out;
}

// PipeFisher (Osawa et al. 2023) per linear layer (d_in → d_out, as split by
// tp): the factors A = a·aᵀ over the iteration's tokens (a d_in × d_in × tokens
// GEMM) and G = g·gᵀ (d_out × d_out × tokens), their inverses in fp32 (priced
// as a d×d×d GEMM each: Cholesky and triangular inverse together ≈ d³ FLOPs),
// and the preconditioning G⁻¹·∇W·A⁻¹ every step (two GEMMs, fp32).
std::vector<std::pair<DeviceId, std::vector<FillerWork>>> TrainingWorkload::kfac_work(const ClusterShape& cluster) const {
  std::vector<std::pair<DeviceId, std::vector<FillerWork>>> out;
  if (!cluster.device) return out;
  const TransformerSpec& m = p_.model;
  const ParallelPlan& plan = p_.plan;
  const std::int64_t t = plan.tp;
  const std::int64_t tokens = p_.micro_batch * (m.seq_len / plan.cp) * p_.micro_batches();
  const std::int64_t layers = m.layers / plan.pp;
  const std::int64_t h = m.hidden;
  struct Linear {
    const char* name;
    std::int64_t in, out;
  };
  const std::vector<Linear> linears{{"qkv", h, (h + 2 * m.kv_dim()) / t},
                                    {"proj", h / t, h},
                                    {"fc1", h, m.ffn_hidden / t},
                                    {"fc2", m.ffn_hidden / t, h}};
  const DeviceModel& dev = *cluster.device;
  const auto gemm = [&](std::int64_t a, std::int64_t b, std::int64_t c, DType dt) { return dev.time(Gemm{a, b, c, 1, dt}); };
  std::vector<FillerWork> every_step, refresh;
  for (std::int64_t l = 0; l < layers; ++l) {
    for (const Linear& x : linears) {
      const std::string tag = fmt::format("layer {} {}", l, x.name);
      every_step.push_back({"kfac precondition " + tag,
                            gemm(x.out, x.in, x.in, DType::kFp32) + gemm(x.out, x.in, x.out, DType::kFp32), false});
      refresh.push_back({"kfac factor A " + tag, gemm(x.in, x.in, tokens, p_.precision), true});
      refresh.push_back({"kfac factor G " + tag, gemm(x.out, x.out, tokens, p_.precision), true});
      refresh.push_back({"kfac inverse A " + tag, gemm(x.in, x.in, x.in, DType::kFp32), true});
      refresh.push_back({"kfac inverse G " + tag, gemm(x.out, x.out, x.out, DType::kFp32), true});
    }
  }
  std::vector<FillerWork> all = every_step;
  all.insert(all.end(), refresh.begin(), refresh.end());
  for (int s = 0; s < plan.pp; ++s) out.emplace_back(plan.device(Coord{0, 0, 0, s}), all);
  return out;
}

}  // namespace orrery::workload::training
