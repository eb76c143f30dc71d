// The model a `training` workload trains — a decoder-only transformer, GPT- or
// Llama-style, optionally with mixture-of-experts feed-forward layers — and the
// closed forms the lowering and the memory model use: parameter counts,
// activation bytes per layer (Korthikanti et al. 2022, "Reducing Activation
// Recomputation in Large Transformer Models", generalised to grouped-query
// attention, any feed-forward width and routed experts) and model-state bytes
// by ZeRO stage (Rajbhandari et al., SC20, §5).
#pragma once

#include <cstdint>

#include "sim/config/reader.hpp"

namespace orrery::workload::training {

// The feed-forward layer: GeLU (GPT) or gated, SwiGLU (Llama, Mixtral: a gate
// and an up projection, silu(gate)·up, then the down projection).
enum class Mlp : std::uint8_t { kGelu, kSwiglu };
// LayerNorm (scale and bias) or RMSNorm (scale only).
enum class Norm : std::uint8_t { kLayerNorm, kRmsNorm };
// Learned position embeddings (s·h parameters) or rotary ones (none; applied to q and k in every layer).
enum class Positions : std::uint8_t { kLearned, kRotary };

// Caps on the model's sizes (transformer.cpp says why).
inline constexpr std::int64_t kMaxLayers = std::int64_t{1} << 16;
inline constexpr std::int64_t kMaxWidth = std::int64_t{1} << 22;
inline constexpr std::int64_t kMaxVocab = std::int64_t{1} << 26;
inline constexpr std::int64_t kMaxSeqLen = std::int64_t{1} << 24;
inline constexpr std::int64_t kMaxExperts = std::int64_t{1} << 16;

struct TransformerSpec {
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;    // grouped-query attention; = heads by default
  std::int64_t ffn_hidden = 0;  // = 4·hidden by default
  std::int64_t vocab = 0;
  std::int64_t seq_len = 0;
  std::int64_t experts = 1;  // routed experts per feed-forward layer; 1: dense feed-forward layers
  std::int64_t top_k = 1;    // routed experts each token is sent to
  // DeepSeekMoE's layout (Dai et al. 2024, §3): experts narrower than a dense
  // layer's MLP (`moe_ffn_hidden`; 0: ffn_hidden, as Mixtral), shared experts
  // every token passes through beside its routed ones, and the first
  // `dense_layers` layers with a dense MLP of width ffn_hidden.
  std::int64_t moe_ffn_hidden = 0;
  std::int64_t shared_experts = 0;
  std::int64_t dense_layers = 0;
  Mlp mlp = Mlp::kGelu;
  Norm norm = Norm::kLayerNorm;
  Positions positions = Positions::kLearned;
  bool bias = true;             // linear layers with biases
  bool tied_embeddings = true;  // the output layer shares the word embedding's weights

  [[nodiscard]] std::int64_t head_dim() const { return hidden / heads; }
  [[nodiscard]] std::int64_t kv_dim() const { return kv_heads * head_dim(); }
  [[nodiscard]] bool gated() const { return mlp == Mlp::kSwiglu; }
  // Whether layer i (from 0) routes its tokens to experts: every layer of a
  // mixture-of-experts model from `dense_layers` on.
  [[nodiscard]] bool moe_layer(std::int64_t i) const { return experts > 1 && i >= dense_layers; }
  [[nodiscard]] std::int64_t moe_layers() const { return experts > 1 ? layers - dense_layers : 0; }
  // The width of one expert's MLP (routed or shared).
  [[nodiscard]] std::int64_t expert_ffn() const { return moe_ffn_hidden > 0 ? moe_ffn_hidden : ffn_hidden; }
  // Parameters of one norm: scale (and bias for LayerNorm).
  [[nodiscard]] double norm_parameters() const;
  // Parameters of one MLP of width f: two h × f matrices (GeLU) or three
  // (gated: gate, up, down), and their biases if `bias`.
  [[nodiscard]] double mlp_parameters(std::int64_t f) const;
  // Parameters of one transformer layer: QKV, output projection, feed-forward,
  // two norms; biases if `bias`. The feed-forward of a dense layer is one MLP
  // of width ffn_hidden; of a routed layer, `experts` + `shared_experts` MLPs
  // of width expert_ffn() and the router (h × experts).
  // For kv_heads = heads, ffn_hidden = 4h, one expert, GeLU, LayerNorm and
  // biases: 12h² + 13h. A gated MLP has three h × ffn matrices instead of two.
  [[nodiscard]] double layer_parameters(bool routed) const;
  // The model's widest layer: a routed one for a mixture-of-experts model.
  [[nodiscard]] double layer_parameters() const { return layer_parameters(experts > 1); }
  // Layers [lo, hi), dense and routed as they come.
  [[nodiscard]] double layers_parameters(std::int64_t lo, std::int64_t hi) const;
  // The parameters one token passes through: all but the routed experts it is
  // not sent to, (experts − top_k) per routed layer (DeepSeekMoE's
  // "activated parameters").
  [[nodiscard]] double active_parameters() const;
  // Word embedding V·h, learned positions s·h, an untied output layer V·h.
  [[nodiscard]] double embedding_parameters() const;
  // The whole model: layers, embeddings and the final norm. For a GPT-style
  // model that is Narayanan et al.'s (SC21) 12·l·h²·(1 + 13/(12h) + (V+s)/(12·l·h))
  // plus the final LayerNorm's 2h.
  [[nodiscard]] double parameters() const {
    return layers_parameters(0, layers) + embedding_parameters() + norm_parameters();
  }

  // Reads `model:`; a `preset` (model_presets.hpp) gives every shape key, and keys beside it override.
  static TransformerSpec read(config::Reader& r);
};

enum class Recompute : std::uint8_t { kNone, kSelective, kFull };

// Activation bytes one transformer layer keeps for its backward, per
// micro-batch of b sequences, on one rank of a tp × cp group, in 16-bit
// precision (Korthikanti et al. 2022, Table 2 and §4–5):
//   none, no sequence parallelism: s·b·[10h + (4h + 4·kv_dim + 4·ffn·k)/t + 5·a·s/t]
//   (= s·b·h·(10 + 24/t + 5·a·s/(h·t)) for kv_dim = h, ffn = 4h, k = 1);
//   a gated MLP keeps three ffn-wide tensors, gate, up and the down projection's
//   input, where GeLU keeps two: 6·ffn·k;
//   with sequence parallelism every term is divided by t;
//   selective recompute (and flash attention, which never stores the scores)
//   drops the 5·a·s term; full recompute keeps the layer input, 2·s·b·h (/t with SP).
// With context parallelism s is the rank's share s/cp except inside the
// attention-score term, where the rank's queries meet all s keys.
struct ActivationShape {
  std::int64_t micro_batch = 1;
  int tp = 1;
  int cp = 1;
  bool sequence_parallel = false;
  Recompute recompute = Recompute::kNone;
  bool stores_scores = true;  // false with flash attention
};
// A routed layer keeps its k routed experts' and its shared experts' ffn-wide
// tensors (ffn = expert_ffn(), times k + shared); a dense layer its one MLP's.
[[nodiscard]] double activation_bytes_per_layer(const TransformerSpec& m, const ActivationShape& a, bool routed);
// The model's widest layer (routed, for a mixture-of-experts model).
[[nodiscard]] inline double activation_bytes_per_layer(const TransformerSpec& m, const ActivationShape& a) {
  return activation_bytes_per_layer(m, a, m.experts > 1);
}

// Model-state bytes per parameter held on a device, by ZeRO stage over n data-
// parallel ranks (Rajbhandari et al., SC20, §5.1–5.3, K = 12 for
// mixed-precision Adam): weights (2 bytes in 16-bit precision), gradients
// (`gradient_bytes`: 2 as in ZeRO, 4 for Megatron's fp32 main gradients) and
// optimizer states (12: fp32 master weights, momentum, variance). Stage 1
// (and Megatron's distributed optimizer) shards the optimizer states, stage 2
// also the gradients, stage 3 also the weights; offloading moves the optimizer
// states (and with them the fp32 gradients' reduction target) to the host.
struct ModelStateBytes {
  double weights = 0;
  double gradients = 0;
  double optimizer = 0;
  [[nodiscard]] double total() const { return weights + gradients + optimizer; }
};
struct ZeroShape {
  int stage = 0;
  int ranks = 1;  // N_d
  double weight_bytes = 2;
  double gradient_bytes = 2;
  double optimizer_bytes = 12;  // K
  bool offload_optimizer = false;
  bool offload_parameters = false;
};
[[nodiscard]] ModelStateBytes model_state_bytes(double parameters, const ZeroShape& z);

}  // namespace orrery::workload::training
