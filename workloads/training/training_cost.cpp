// The layers' operations as cost terms for the pricing pass, per virtual
// stage (stage_costs) and for vocabulary parallelism's passes (vocab_costs);
// training_layer_ops.hpp lists the operations.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"
#include "workloads/training/training_layer_ops.hpp"

namespace orrery::workload::training {

namespace {

// One layer's cost times the layers of a chunk: each term's multiplier (the
// pass truncates ⌊multiplier × Σ ns⌋ per term, as a stage's time always was).
void scale(OpCost& c, double layers) {
  for (auto& term : c.terms) term.multiplier *= layers;
  c.model_flops *= layers;
  c.flops_no_recompute *= layers;
  for (auto& x : c.comm) x.count = static_cast<int>(x.count * layers);
}

OpCost cost_of(const OpList& l, double flops_no_recompute) {
  OpCost c;
  if (!l.ops.empty()) c.terms.push_back(CostTerm{l.ops, 1.0});
  c.model_flops = l.model_flops;
  c.flops_no_recompute = flops_no_recompute;
  c.comm = l.comm;
  return c;
}

// Terms of multiplier 1 are added into one (their integer sums are exact, so
// it prices the same as two; a backward and its weight gradient are summed
// before the stage's layers multiply them); the others stay their own.
void add(OpCost& into, const OpCost& c) {
  for (const CostTerm& term : c.terms) {
    auto one = std::find_if(into.terms.begin(), into.terms.end(),
                            [&](const CostTerm& t) { return t.multiplier == 1.0 && term.multiplier == 1.0; });
    if (one == into.terms.end()) {
      into.terms.push_back(term);
    } else {
      one->ops.insert(one->ops.end(), term.ops.begin(), term.ops.end());
    }
  }
  into.model_flops += c.model_flops;
  into.flops_no_recompute += c.flops_no_recompute;
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

std::vector<VirtualStageCost> TrainingWorkload::stage_costs() const {
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

  // One layer's forward, backward (with its recompute) and weight gradient,
  // its weights stored in type `wt`.
  struct LayerCost {
    OpCost f, b, w;
  };
  const auto layer_cost = [&](DType wt, bool routed) {
    const LayerOps L = layer_ops(p_, wt, routed);
    OpList b_all = L.b;  // the backward with its recompute
    if (p_.recompute == Recompute::kFull) {
      b_all.append(L.f);
      b_all.comm = L.b.comm;
      b_all.comm.insert(b_all.comm.end(), L.f.comm.begin(), L.f.comm.end());
    } else if (p_.recompute == Recompute::kSelective) {
      b_all.append(L.core);
      b_all.comm = L.b.comm;
    }
    LayerCost c{cost_of(L.f, L.f.model_flops), cost_of(b_all, L.b.model_flops), cost_of(L.w, L.w.model_flops)};
    if (!split) {
      add(c.b, c.w);
      c.w = OpCost{};
    }
    return c;
  };
  // Layers of one kind — weight type, and routed or dense feed-forward —
  // cost the same: one LayerCost per kind present.
  const std::vector<LayerKind> kinds = p_.weights.kinds(m, dt);
  std::vector<LayerCost> per_kind;
  for (const LayerKind& k : kinds) per_kind.push_back(layer_cost(k.type, k.routed));

  // Embedding (first virtual stage) and output layer with the loss (last).
  OpList emb_f, emb_b, out_f, out_b, out_w;
  const bool vocab = p_.vocab_parallel && p > 1;  // the word embedding's lookup moves to every stage (vocab_costs)
  if (!vocab) emb_f.ops.push_back(Embedding{tokens, m.hidden, m.vocab / t, dt});
  emb_f.memory(PointwiseKind::kElementwise, 3.5 * static_cast<double>(tokens * m.hidden) * eb);  // + position, dropout
  if (!vocab) emb_b.memory(PointwiseKind::kElementwise, static_cast<double>(tokens * m.hidden) * (eb + 4));  // scatter-add into fp32
  const bool eager = p_.kernels == KernelSet::kEager;
  // The final norm: fused (bytes), or eager PyTorch's kernel (a layer row).
  const auto final_norm = [&](OpList& l, bool backward) {
    if (eager) {
      const LayerKernel k = m.norm == Norm::kRmsNorm ? LayerKernel::kRmsNorm : LayerKernel::kLayerNorm;
      l.ops.push_back(LayerOp{k, backward, DType::kBf16, tokens, m.hidden});
    } else {
      l.memory(PointwiseKind::kNorm, (backward ? 3 : 2) * static_cast<double>(tokens * m.hidden) * eb);
    }
  };
  OpList out_norm_f, out_norm_b;  // the final layer norm alone (vocabulary parallelism moves the rest)
  final_norm(out_norm_f, false);
  final_norm(out_norm_b, true);
  final_norm(out_f, false);
  out_f.ops.push_back(VocabProjection{tokens, m.hidden, m.vocab / t, dt});
  out_f.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * (m.vocab / t));
  const double logits = static_cast<double>(tokens * (m.vocab / t));
  if (eager) {
    // Logits cast to fp32 (read 16-bit, write fp32), then cross entropy's
    // kernels over them; backward: its kernel, and the gradient cast back.
    out_f.memory(PointwiseKind::kElementwise, logits * (eb + 4));
    out_f.ops.push_back(LayerOp{LayerKernel::kCrossEntropy, false, DType::kFp32, tokens, m.vocab / t});
    out_b.ops.push_back(LayerOp{LayerKernel::kCrossEntropy, true, DType::kFp32, tokens, m.vocab / t});
    out_b.memory(PointwiseKind::kElementwise, logits * (4 + eb));
  } else {
    out_f.memory(PointwiseKind::kSoftmax, logits * (eb + 4));  // cross-entropy in fp32
    out_b.memory(PointwiseKind::kSoftmax, logits * (4 + eb));
  }
  out_b.ops.push_back(VocabProjection{tokens, m.hidden, m.vocab / t, dt});
  out_b.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * (m.vocab / t));
  final_norm(out_b, true);
  // The output layer's weight gradient, h × V/t over the tokens (added into the
  // main gradient under fused accumulation, as a linear layer's).
  out_w.gemm(m.hidden, m.vocab / t, tokens, 1, dt, p_.accumulates_in_gemm());
  if (t > 1) {  // the loss's max and sum over the vocabulary shards; the input gradient's all-reduce
    const Bytes stats(static_cast<std::int64_t>(tokens) * 4);
    out_f.comm.push_back({CollectiveOp::kAllReduce, Axis::kTp, stats, 2});
    out_b.comm.push_back({CollectiveOp::kAllReduce, Axis::kTp,
                          Bytes(static_cast<std::int64_t>(static_cast<double>(tokens * m.hidden) * eb)), 1});
  }

  ActivationShape shape{p_.micro_batch, plan.tp, plan.cp, plan.sequence_parallel, p_.recompute,
                        p_.attention == AttentionKernel::kUnfused};
  // A routed layer's experts are split over the ep ranks as well as tp.
  const double routed_held = m.experts > 1 && plan.ep > 1
                                 ? static_cast<double>(m.experts) * m.mlp_parameters(m.expert_ffn()) *
                                       (1.0 - 1.0 / plan.ep)
                                 : 0.0;

  std::vector<VirtualStageCost> out(static_cast<std::size_t>(stages));
  for (int vs = 0; vs < stages; ++vs) {
    VirtualStageCost& c = out[static_cast<std::size_t>(vs)];
    // The virtual stage's layers in model order, [vs·l, (vs + 1)·l) rounded,
    // counted by kind and scaled to the stage's `layers`.
    const auto lo = static_cast<std::int64_t>(std::llround(vs * layers));
    const auto hi = std::max(lo + 1, static_cast<std::int64_t>(std::llround((vs + 1) * layers)));
    const double per_layer = layers / static_cast<double>(hi - lo);
    double routed_layers = 0;
    if (kinds.size() == 1) {
      c.forward = per_kind[0].f;
      c.backward = per_kind[0].b;
      c.weight = per_kind[0].w;
      scale(c.forward, layers);
      scale(c.backward, layers);
      scale(c.weight, layers);
      routed_layers = kinds[0].routed ? layers : 0.0;
    } else {
      for (std::size_t k = 0; k < kinds.size(); ++k) {
        std::int64_t count = 0;
        for (std::int64_t i = lo; i < hi; ++i) count += p_.weights.kind(m, i, dt) == kinds[k] ? 1 : 0;
        if (count == 0) continue;
        const double n = static_cast<double>(count) * per_layer;
        if (kinds[k].routed) routed_layers += n;
        LayerCost x = per_kind[k];
        scale(x.f, n);
        scale(x.b, n);
        scale(x.w, n);
        add(c.forward, x.f);
        add(c.backward, x.b);
        add(c.weight, x.w);
      }
    }
    c.layers = static_cast<int>(hi - lo);
    const double dense_layers = layers - routed_layers;
    c.parameters = (dense_layers * m.layer_parameters(false) + routed_layers * (m.layer_parameters(true) - routed_held)) /
                   static_cast<double>(t);
    c.activation_bytes =
        dense_layers * activation_bytes_per_layer(m, shape, false) + routed_layers * activation_bytes_per_layer(m, shape, true);
    if (vs == 0) {
      add(c.forward, cost_of(emb_f, 0));
      add(c.backward, cost_of(emb_b, 0));
      // The word embedding (unless split over the stages with the output layer it is tied to) and the positions.
      c.last_piece_parameters =
          (vocab ? 0.0 : static_cast<double>(m.vocab) * static_cast<double>(m.hidden) / static_cast<double>(t)) +
          (m.positions == Positions::kLearned ? static_cast<double>(m.seq_len * m.hidden) : 0.0);
      c.parameters += c.last_piece_parameters;
    }
    if (vs == stages - 1 && p_.vocab_parallel) {
      add(c.forward, cost_of(out_norm_f, 0));
      add(c.backward, cost_of(out_norm_b, 0));
      c.parameters += m.norm_parameters();
    } else if (vs == stages - 1) {
      add(c.forward, cost_of(out_f, out_f.model_flops));
      add(c.backward, cost_of(out_b, out_b.model_flops));
      add(split ? c.weight : c.backward, cost_of(out_w, out_w.model_flops));
      // The output layer: a copy of the tied word embedding on another stage, or its own weights.
      if (stages > 1 || !m.tied_embeddings) c.first_piece_parameters = static_cast<double>(m.vocab) * static_cast<double>(m.hidden) / static_cast<double>(t);
      c.first_piece_parameters += m.norm_parameters();  // final norm
      c.parameters += c.first_piece_parameters;
      c.activation_bytes += logits * 4;                      // fp32 logits kept for the loss's backward
    }
  }
  if (vocab) {
    // Each stage's chunk 0 carries its V/(p·t) share of the vocabulary's rows,
    // used by both the input and the output layer (tied, as Yeung et al. keep
    // them: each stage's input and output shards are the same rows; untied,
    // the stage holds both).
    const double copies = m.tied_embeddings ? 1.0 : 2.0;
    for (int s = 0; s < p; ++s) {
      out[static_cast<std::size_t>(position_of(0, s))].parameters +=
          copies * static_cast<double>(m.vocab) * static_cast<double>(m.hidden) / static_cast<double>(t * p);
    }
  }
  // Gradient accumulation outside the GEMMs (GradAccumulation): one
  // elementwise pass over the stage's gradients (its ZeRO-2/3 shard, which is
  // what those stages accumulate) by the operation that computes them.
  const double acc = p_.accumulation_bytes_per_parameter();
  const bool autograd = p_.grad_accumulation == GradAccumulation::kAutograd;
  if (acc > 0 && !(autograd && p_.micro_batches() <= 1)) {  // autograd's one micro-batch adds nothing
    const double shard = p_.zero_stage >= 2 ? static_cast<double>(plan.dp) : 1.0;
    for (VirtualStageCost& c : out) {
      OpCost& grads = split ? c.weight : c.backward;
      if (autograd) c.first_micro_batch = grads;
      OpList add_grads;
      add_grads.memory(PointwiseKind::kElementwise, c.parameters / shard * acc);
      add(grads, cost_of(add_grads, 0));
    }
  }
  return out;
}

// Vocabulary parallelism (Yeung et al. 2024): each of the p stages computes
// the logits of its V/(p·t) share of the vocabulary for every micro-batch (the
// S pass: projection, the softmax's partial max and sum) and, once the
// partial statistics are all-reduced over the pipeline, its share of the
// loss gradient, the input gradient and the weight gradient (the T pass).
VocabCosts TrainingWorkload::vocab_costs() const {
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
  tt.ops.push_back(VocabProjection{tokens, m.hidden, v_local, dt});  // the input gradient
  tt.model_flops += 2.0 * static_cast<double>(tokens * m.hidden * v_local);
  tt.gemm(m.hidden, v_local, tokens, 1, dt, p_.accumulates_in_gemm());  // the weight gradient
  VocabCosts out;
  out.s = cost_of(s, s.model_flops);
  out.t = cost_of(tt, tt.model_flops);
  // The input layer's shard: look up the rows of this stage's vocabulary (the
  // others write zeros), and in the backward accumulate their gradients.
  OpList in_f, in_b;
  in_f.ops.push_back(Embedding{tokens, m.hidden, v_local, dt});
  in_b.memory(PointwiseKind::kElementwise, static_cast<double>(tokens * m.hidden) * 2 / p_.plan.pp + static_cast<double>(v_local * m.hidden) * 8 / p_.plan.pp);
  out.input_f = cost_of(in_f, 0);
  out.input_b = cost_of(in_b, 0);
  out.logits_bytes = logits * 4;
  out.hidden_bytes = static_cast<double>(tokens * m.hidden) * 2;
  out.stats_bytes = static_cast<double>(tokens) * 8;  // max and sum in fp32
  return out;
}

}  // namespace orrery::workload::training
