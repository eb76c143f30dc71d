// The replica's memory plan (iteration_cost.hpp): weights, the largest
// iteration's activations and the KV blocks left, on the tightest stage.
#include <fmt/format.h>

#include <cmath>

#include "sim/core/error.hpp"
#include "workloads/serving/iteration_cost.hpp"
#include "workloads/serving/shard.hpp"

namespace orrery::workload::serving {

std::vector<std::int64_t> stage_layers(std::int64_t layers, int pp) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(pp), layers / pp);
  for (std::int64_t i = 0; i < layers % pp; ++i) ++out[static_cast<std::size_t>(i)];
  return out;
}

MemoryPlan plan_memory(const ServingParams& p, const DeviceFacts& device) {
  const auto& m = p.model;
  const Shard s = shard(p);
  const std::vector<std::int64_t> layers = stage_layers(m.layers, p.pp);
  std::vector<std::int64_t> first_layer(layers.size(), 0);
  for (std::size_t st = 1; st < layers.size(); ++st) first_layer[st] = first_layer[st - 1] + layers[st - 1];
  const double h = static_cast<double>(m.hidden);
  const double v = static_cast<double>(m.vocab);
  const double usable = p.kv.memory_fraction * static_cast<double>(device.memory_capacity().count());
  // The largest iteration's activations, as vLLM's profiling forward of
  // max_num_batched_tokens finds them: the layer input and the residual (2h),
  // q, k, v, and the MLP's widest intermediates (gate, up and their product
  // for a gated MLP; two for GeLU), per token, in 16-bit, plus fp32 logits of
  // max_num_seqs rows over the rank's vocabulary shard.
  const double tokens = static_cast<double>(p.scheduler.max_batched_tokens);
  const double qkv = static_cast<double>((s.heads + 2 * s.kv_heads) * s.head_dim);
  // The widest feed-forward per token: a dense layer's MLP, or a routed
  // layer's top_k routed and its shared experts.
  const std::int64_t routed_ffn = m.experts > 1 ? m.expert_ffn() / p.tp * (m.top_k + m.shared_experts) : 0;
  const std::int64_t dense_ffn = m.experts == 1 || m.dense_layers > 0 ? s.ffn : 0;
  const double mlp = static_cast<double>(std::max(routed_ffn, dense_ffn)) * (m.gated() ? 3.0 : 2.0);
  const double act = tokens * (2 * h + qkv + mlp) * eb(activation_type(p.dtype)) +
                     static_cast<double>(std::min(p.scheduler.max_batch, p.scheduler.max_batched_tokens)) * v /
                         p.tp * 4.0;
  MemoryPlan best;
  best.blocks = -1;
  for (int st = 0; st < p.pp; ++st) {
    const double l = static_cast<double>(layers[static_cast<std::size_t>(st)]);
    double params = 0;
    double quantized = 0;  // bytes of the layers whose weights are not in dtype
    for (std::int64_t i = 0; i < layers[static_cast<std::size_t>(st)]; ++i) {
      const std::int64_t layer = first_layer[static_cast<std::size_t>(st)] + i;
      const DType wt = p.weights.type(layer, p.dtype);
      if (wt == p.dtype && p.weights.ffn == WeightFormat::FfnSparsity::kDense) {
        params += m.layer_parameters(m.moe_layer(layer)) / p.tp;
        continue;
      }
      quantized += p.weights.layer_bytes(m, m.moe_layer(layer), p.tp, wt, p.dtype, activation_type(p.dtype));
    }
    const bool first = st == 0;
    const bool last = st == p.pp - 1;
    if (first) params += v * h / p.tp;                                       // word embedding
    if (last && (!m.tied_embeddings || p.pp > 1)) params += v * h / p.tp;    // output layer (a copy when tied across stages)
    if (last) params += m.norm_parameters();
    MemoryPlan plan;
    plan.weights = params * eb(p.dtype) + quantized;
    plan.activations = act;
    plan.usable = usable;
    plan.block_bytes =
        static_cast<double>(p.kv.block_size) * 2.0 * static_cast<double>(s.kv_heads * s.head_dim) * l * eb(p.kv_dtype);
    plan.stage = st;
    const double left = usable - plan.weights - act;
    plan.blocks = left <= 0 ? 0 : static_cast<std::int64_t>(std::floor(left / plan.block_bytes));
    if (best.blocks < 0 || plan.blocks < best.blocks) best = plan;
  }
  const auto breakdown = [&](double kv) {
    return fmt::format("{:.2f} GiB usable ({} of {:.2f} GiB on {}) against {:.2f} GiB of weights, {:.2f} GiB of "
                       "activations and {:.2f} GiB of KV cache on a device of stage {}",
                       best.usable / 1073741824.0, p.kv.memory_fraction,
                       static_cast<double>(device.memory_capacity().count()) / 1073741824.0, device.name(),
                       best.weights / 1073741824.0, best.activations / 1073741824.0, kv / 1073741824.0, best.stage);
  };
  if (p.kv.blocks > 0) {
    const double kv = static_cast<double>(p.kv.blocks) * best.block_bytes;
    if (best.weights + best.activations + kv > best.usable) {
      throw InfeasibleError(fmt::format("the replica does not fit the {} KV blocks asked for: {}", p.kv.blocks,
                                        breakdown(kv)));
    }
    best.blocks = p.kv.blocks;
  }
  if (best.blocks < 1) {
    throw InfeasibleError(fmt::format(
        "the model does not fit on a replica of tp = {}, pp = {}: no memory is left for one KV block of {:.0f} "
        "bytes: {} (more tp or pp, a smaller max_batched_tokens, or a larger memory_fraction)",
        p.tp, p.pp, best.block_bytes, breakdown(0)));
  }
  return best;
}

}  // namespace orrery::workload::serving
