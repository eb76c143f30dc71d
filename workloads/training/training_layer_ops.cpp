// One transformer layer's operations (training_layer_ops.hpp says what and why).
#include "workloads/training/training_layer_ops.hpp"

#include <cmath>

namespace orrery::workload::training {

namespace {

// The memory-bound kernels of a layer as the framework launches them: fused
// as Megatron-LM does (bytes moved, at the table's memory efficiency), or one
// eager PyTorch kernel per op (LayerOp, priced by the table's layer rows).
class Pointwise {
 public:
  Pointwise(const TrainingParams& p, std::int64_t rows, double rep)
      : eager_(p.kernels == KernelSet::kEager),
        rms_(p.model.norm == Norm::kRmsNorm),
        dt_(bytes_per_element(p.precision) < 2 ? DType::kBf16 : p.precision),
        rows_(rows),
        width_(p.model.hidden),
        rep_(rep) {}
  // A layer norm (or RMSNorm): read, write.
  void norm(OpList& l) const {
    if (eager_) {
      l.ops.push_back(LayerOp{rms_ ? LayerKernel::kRmsNorm : LayerKernel::kLayerNorm, false, dt_, rows_, width_});
    } else {
      l.memory(PointwiseKind::kNorm, 2 * rep_);
    }
  }
  // The residual: Megatron's fused bias-dropout-add (x, residual, out, a 1-byte
  // mask), or eager's add (the linear layers' bias is in their GEMM, dropout 0).
  void residual(OpList& l) const {
    if (eager_) {
      l.ops.push_back(LayerOp{LayerKernel::kAdd, false, dt_, rows_, width_});
    } else {
      l.memory(PointwiseKind::kElementwise, 3.5 * rep_);
    }
  }
  // The MLP's activation over `rows` × `width`: GeLU, or SwiGLU reading gate and up.
  void activation(OpList& l, bool gated, std::int64_t rows, std::int64_t width, double bytes) const {
    if (eager_) {
      l.ops.push_back(LayerOp{gated ? LayerKernel::kSwiGlu : LayerKernel::kGeluTanh, false, dt_, rows, width});
    } else {
      l.memory(PointwiseKind::kElementwise, (gated ? 3 : 2) * bytes);
    }
  }

 private:
  bool eager_, rms_;
  DType dt_;
  std::int64_t rows_, width_;
  double rep_;
};

// The backward of a forward memory-bound kernel: a fused one moves 1.5× its
// forward bytes (the saved input and the incoming gradient read, one gradient
// written); an eager kernel runs its backward kernel, and a residual add's
// backward is the add that accumulates the two gradients.
void pointwise_backward(const OpList& forward, OpList& b) {
  for (const Operation& op : forward.ops) {
    if (const auto* e = std::get_if<Elementwise>(&op)) b.memory(e->kind, 1.5 * static_cast<double>(e->bytes));
    if (const auto* k = std::get_if<LayerOp>(&op)) {
      LayerOp g = *k;
      g.backward = k->kernel != LayerKernel::kAdd;
      b.ops.push_back(g);
    }
  }
}

}  // namespace

LayerOps layer_ops(const TrainingParams& p) {
  return layer_ops(p, p.precision, p.model.experts > 1);
}

LayerOps layer_ops(const TrainingParams& p, DType weights, bool routed) {
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
  // The feed-forward: a dense layer's one MLP over all tokens, or a routed
  // layer's experts/ep local experts over the tokens × top_k routes spread
  // evenly over them, and its shared experts (one MLP of shared × expert
  // width, as DeepSeekMoE runs them) over all tokens.
  const std::int64_t e_local = routed ? m.experts / plan.ep : 1;
  const std::int64_t routes = routed ? m.top_k : 1;  // per token
  const std::int64_t width = routed ? m.expert_ffn() : m.ffn_hidden;  // of one MLP
  const std::int64_t expert_tokens = div_or_one(tokens * routes, e_local);
  const std::int64_t shared_ffn = routed ? m.shared_experts * m.expert_ffn() : 0;
  const double rep = static_cast<double>(tokens * h) * eb / (plan.sequence_parallel ? static_cast<double>(t) : 1.0);
  const std::int64_t gates = m.gated() ? 2 : 1;  // the first projection: gate and up, or one
  const std::int64_t up = gates * width;
  const double ffn_act = static_cast<double>(tokens * routes * (width / t)) * eb;
  const double scores = static_cast<double>(p.micro_batch * heads * s_local * m.seq_len);

  const Pointwise pw(p, plan.sequence_parallel ? tokens / t : tokens, rep);

  // A GEMM through the layer's weights (y = x·W, W k × n): dense in dt, or in
  // the stored format; `ffn`: a feed-forward projection, sparse when asked.
  // Megatron's model FLOPs count the dense product.
  const WeightFormat& wf = p.weights;
  const bool sparse = wf.ffn != WeightFormat::FfnSparsity::kDense;
  const DType a16 = bytes_per_element(dt) < 2 ? DType::kBf16 : dt;  // activations' type
  const auto wgemm = [&](OpList& l, std::int64_t rows, std::int64_t n, std::int64_t k, std::int64_t batch, bool ffn) {
    if (weights == dt && !(ffn && sparse && batch == 1)) {
      l.gemm(rows, n, k, batch, dt);
      return;
    }
    l.ops.push_back(ffn ? wf.ffn_gemm(rows, n, k, batch, weights, a16) : wf.gemm(rows, n, k, batch, weights, a16));
    l.model_flops += 2.0 * static_cast<double>(batch) * static_cast<double>(rows) * static_cast<double>(n) *
                     static_cast<double>(k);
  };
  // dW (k × n) = Xᵀ·dY over `rows` tokens: the GEMM (k, n, rows), added into
  // the main gradient when the framework fuses the accumulation (Megatron's
  // gradient_accumulation_fusion), or for a sparse projection an SDDMM at W's
  // pattern (2:4 keeps half).
  const std::optional<DType> into = p.accumulates_in_gemm();
  const auto wgrad = [&](OpList& l, std::int64_t k, std::int64_t n, std::int64_t rows, std::int64_t batch, bool ffn) {
    if (!(ffn && sparse && batch == 1)) {
      l.gemm(k, n, rows, batch, dt, into);
      return;
    }
    task::Sddmm g;
    g.rows = k;
    g.cols = n;
    g.n = rows;
    g.dtype = a16;
    g.nnz = wf.ffn == WeightFormat::FfnSparsity::kTwoFour
                ? k * n / 2
                : std::max<std::int64_t>(1, std::llround(wf.density * static_cast<double>(k) * static_cast<double>(n)));
    g.block_rows = wf.block_rows;
    g.block_cols = wf.block_cols;
    l.ops.push_back(g);
    l.model_flops += 2.0 * static_cast<double>(k) * static_cast<double>(n) * static_cast<double>(rows);
  };

  LayerOps L;
  // Forward.
  pw.norm(L.f);
  wgemm(L.f, tokens, (h + 2 * kvd) / t, h, 1, false);
  if (m.positions == Positions::kRotary) {  // rotate q and k: read, write
    L.f.memory(PointwiseKind::kElementwise, 2 * static_cast<double>(tokens * ((h + kvd) / t)) * eb);
  }
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
  wgemm(L.f, tokens, h, h / t, 1, false);
  pw.residual(L.f);
  pw.norm(L.f);
  // The router (h × E, replicated over tp): every rank routes the tokens it
  // holds, all T, or T/t with sequence parallelism; Megatron's count takes it once.
  const std::int64_t router_rows = plan.sequence_parallel ? div_or_one(tokens, t) : tokens;
  const double router_flops = 2.0 * static_cast<double>(tokens * m.experts * h) / static_cast<double>(t);
  const auto router = [&](OpList& l, std::int64_t rows, std::int64_t n, std::int64_t k,
                          std::optional<DType> accumulate = std::nullopt) {
    l.ops.push_back(Gemm{rows, n, k, 1, dt, accumulate});
    l.model_flops += router_flops;
  };
  if (routed) router(L.f, router_rows, m.experts, h);  // the logits (their softmax and top-k left out: T·E elements)
  wgemm(L.f, expert_tokens, up / t, h, e_local, true);
  pw.activation(L.f, m.gated(), tokens * routes, width / t, ffn_act);  // SwiGLU reads gate and up
  wgemm(L.f, expert_tokens, h, width / t, e_local, true);
  if (shared_ffn > 0) {
    wgemm(L.f, tokens, gates * shared_ffn / t, h, 1, true);
    pw.activation(L.f, m.gated(), tokens, shared_ffn / t, static_cast<double>(tokens * (shared_ffn / t)) * eb);
    wgemm(L.f, tokens, h, shared_ffn / t, 1, true);
  }
  pw.residual(L.f);

  // Input gradient.
  pointwise_backward(L.f, L.b);
  wgemm(L.b, tokens, h, (h + 2 * kvd) / t, 1, false);
  if (p.attention == AttentionKernel::kFlash) {
    // The fused backward (Attention::backward: 2.5× the forward's matmuls —
    // dV, dP, dS·K, dSᵀ·Q and the recomputed QKᵀ), priced by the table's
    // backward rows where it has them.
    Attention back{p.micro_batch * plan.cp, heads, kv_heads, s_local, d, true, dt};
    back.backward = true;
    L.b.ops.push_back(back);
    L.b.model_flops += 8.0 * scores * static_cast<double>(d);
  } else {
    L.b.gemm(s_local, m.seq_len, d, p.micro_batch * heads, dt);  // dP = dO·Vᵀ
    L.b.gemm(m.seq_len, d, s_local, p.micro_batch * heads, dt);  // dV = Pᵀ·dO
    L.b.gemm(s_local, d, m.seq_len, p.micro_batch * heads, dt);  // dQ = dS·K
    L.b.gemm(m.seq_len, d, s_local, p.micro_batch * heads, dt);  // dK = dSᵀ·Q
  }
  wgemm(L.b, tokens, h / t, h, 1, false);
  wgemm(L.b, expert_tokens, width / t, h, e_local, true);
  wgemm(L.b, expert_tokens, h, up / t, e_local, true);
  if (shared_ffn > 0) {
    wgemm(L.b, tokens, shared_ffn / t, h, 1, true);
    wgemm(L.b, tokens, h, gates * shared_ffn / t, 1, true);
  }
  if (routed) router(L.b, router_rows, h, m.experts);  // the router's input gradient

  // Weight gradient.
  L.w.gemm(h, (h + 2 * kvd) / t, tokens, 1, dt, into);
  L.w.gemm(h / t, h, tokens, 1, dt, into);
  wgrad(L.w, h, up / t, expert_tokens, e_local, true);
  wgrad(L.w, width / t, h, expert_tokens, e_local, true);
  if (shared_ffn > 0) {
    wgrad(L.w, h, gates * shared_ffn / t, tokens, 1, true);
    wgrad(L.w, shared_ffn / t, h, tokens, 1, true);
  }
  if (routed) router(L.w, h, m.experts, router_rows, into);  // the router's weight gradient

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
  if (routed && plan.ep > 1) {
    const Bytes sent(static_cast<std::int64_t>(static_cast<double>(tokens * m.top_k * h) * eb));
    fwd.push_back({CollectiveOp::kAllToAll, Axis::kDp, sent, 2});  // dispatch, combine
    bwd.push_back({CollectiveOp::kAllToAll, Axis::kDp, sent, 2});
  }
  L.f.comm = fwd;
  L.b.comm = bwd;
  return L;
}

}  // namespace orrery::workload::training
