// The operations of one transformer layer (and of the embedding and output
// layers) for one micro-batch on one rank of a tp × cp group, split into
// forward (F), input gradient (B) and weight gradient (W), with the
// collectives inside them, priced by the device model.
//
// Shapes per rank, T = b·s/cp tokens, t = tp, k = top_k, e = experts per ep rank:
//   QKV  (T, (h + 2·kv_dim)/t, h)   output projection (T, h, h/t)
//   FC1  e × (T·k/e, ffn/t, h)      FC2 e × (T·k/e, h, ffn/t)
//   (a dense layer: e = k = 1, ffn = ffn_hidden; a routed layer: ffn =
//   expert_ffn(), the router (T, E, h) before, and its shared experts as one
//   MLP of width shared·ffn over all T tokens beside)
//   (a gated MLP: FC1 computes gate and up together, e × (T·k/e, 2·ffn/t, h),
//   and SwiGLU reads both and writes one, 3 ffn-wide tensors where GeLU moves 2;
//   rotary positions read and write q and k after QKV)
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
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "workloads/training/training.hpp"

namespace orrery::workload::training {

struct OpList {
  std::vector<Operation> ops;
  double model_flops = 0;
  std::vector<CommCall> comm;
  // `accumulate`: the product is added into C of that type (Gemm::accumulate).
  void gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, DType t,
            std::optional<DType> accumulate = std::nullopt) {
    ops.push_back(Gemm{m, n, k, batch, t, accumulate});
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

inline std::int64_t div_or_one(std::int64_t a, std::int64_t b) { return std::max<std::int64_t>(1, a / b); }

// The operations of one layer for one micro-batch on one rank (see above),
// its weights stored as `weights` (p.weights' format; p.precision: dense),
// `routed`: a mixture-of-experts layer (TransformerSpec::moe_layer), else dense.
// The one-argument form: the model's widest layer in p.precision.
[[nodiscard]] LayerOps layer_ops(const TrainingParams& p);
[[nodiscard]] LayerOps layer_ops(const TrainingParams& p, DType weights, bool routed);

}  // namespace orrery::workload::training
