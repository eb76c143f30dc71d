#include "workloads/training/transformer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "workloads/training/model_presets.hpp"

namespace orrery::workload::training {

double TransformerSpec::norm_parameters() const {
  return static_cast<double>(hidden) * (norm == Norm::kLayerNorm ? 2.0 : 1.0);
}

double TransformerSpec::mlp_parameters(std::int64_t f) const {
  const auto h = static_cast<double>(hidden);
  const auto w = static_cast<double>(f);
  const double b = bias ? 1.0 : 0.0;
  const double up = gated() ? 2.0 : 1.0;  // gate and up projections, or one
  return (up + 1) * h * w + b * (up * w + h);
}

double TransformerSpec::layer_parameters(bool routed) const {
  const auto h = static_cast<double>(hidden);
  const auto kv = static_cast<double>(kv_dim());
  const double b = bias ? 1.0 : 0.0;
  const double attention = h * (h + 2 * kv) + b * (h + 2 * kv) + h * h + b * h;
  const double ffn = routed ? static_cast<double>(experts + shared_experts) * mlp_parameters(expert_ffn()) +
                                  h * static_cast<double>(experts)  // the router
                            : mlp_parameters(ffn_hidden);
  return attention + ffn + 2 * norm_parameters();
}

double TransformerSpec::layers_parameters(std::int64_t lo, std::int64_t hi) const {
  // Layers [lo, hi) split at dense_layers: the dense ones first.
  const std::int64_t split = experts > 1 ? std::clamp(dense_layers, lo, hi) : hi;
  return static_cast<double>(split - lo) * layer_parameters(false) + static_cast<double>(hi - split) * layer_parameters(true);
}

double TransformerSpec::active_parameters() const {
  return parameters() - static_cast<double>(moe_layers()) * static_cast<double>(experts - top_k) *
                            mlp_parameters(expert_ffn());
}

double TransformerSpec::embedding_parameters() const {
  const auto positions_rows = this->positions == Positions::kLearned ? seq_len : 0;
  const std::int64_t rows = vocab + positions_rows + (tied_embeddings ? 0 : vocab);
  return static_cast<double>(rows) * static_cast<double>(hidden);
}

namespace {

std::vector<std::string> preset_names() {
  std::vector<std::string> names{"none"};
  for (const ModelPreset& p : model_presets()) names.emplace_back(p.name);
  return names;
}

// A shape key: required without a preset, the preset's value otherwise.
std::int64_t shape_key(config::Reader& r, bool preset, std::string_view key, std::int64_t preset_value,
                       std::string_view help) {
  if (!preset) return r.required<std::int64_t>(key, help);
  return r.optional<std::int64_t>(key, preset_value, help);
}

}  // namespace

TransformerSpec TransformerSpec::read(config::Reader& r) {
  const std::string preset_name = r.choice(
      "preset", preset_names(), "none",
      "a published model shape (its source in workloads/training/model_presets.cpp); keys beside it override it");
  const bool preset = preset_name != "none";
  TransformerSpec m = preset ? *model_preset(preset_name) : TransformerSpec{};
  m.layers = shape_key(r, preset, "layers", m.layers, "transformer layers");
  m.hidden = shape_key(r, preset, "hidden", m.hidden, "hidden size h");
  m.heads = shape_key(r, preset, "heads", m.heads, "attention heads a");
  m.kv_heads = r.maybe<std::int64_t>("kv_heads", "key/value heads (grouped-query attention); = heads by default")
                   .value_or(preset ? m.kv_heads : m.heads);
  m.ffn_hidden = r.maybe<std::int64_t>("ffn_hidden", "feed-forward hidden size; 4·hidden by default")
                     .value_or(preset ? m.ffn_hidden : 4 * m.hidden);
  m.vocab = shape_key(r, preset, "vocab", m.vocab, "vocabulary size V");
  m.seq_len = shape_key(r, preset, "seq_len", m.seq_len, "sequence length s");
  m.experts = r.optional<std::int64_t>("experts", m.experts, "experts per feed-forward layer (mixture of experts); 1 = dense");
  m.top_k = r.optional<std::int64_t>("top_k", m.top_k, "routed experts each token is sent to");
  m.moe_ffn_hidden = r.optional<std::int64_t>(
      "moe_ffn_hidden", m.moe_ffn_hidden, "one expert's feed-forward width (routed and shared); 0: ffn_hidden");
  m.shared_experts = r.optional<std::int64_t>(
      "shared_experts", m.shared_experts, "experts every token passes through beside its routed ones (DeepSeekMoE)");
  m.dense_layers = r.optional<std::int64_t>(
      "dense_layers", m.dense_layers,
      "the first layers with a dense feed-forward of width ffn_hidden instead of experts (DeepSeekMoE)");
  const std::vector<std::string> mlps{"gelu", "swiglu"};
  m.mlp = r.choice("mlp", mlps, m.gated() ? "swiglu" : "gelu",
                   "feed-forward layer: gelu (two h × ffn matrices) or swiglu (gated: three)") == "swiglu"
              ? Mlp::kSwiglu
              : Mlp::kGelu;
  const std::vector<std::string> norms{"layernorm", "rmsnorm"};
  m.norm = r.choice("norm", norms, m.norm == Norm::kRmsNorm ? "rmsnorm" : "layernorm",
                    "layernorm (scale and bias) or rmsnorm (scale)") == "rmsnorm"
               ? Norm::kRmsNorm
               : Norm::kLayerNorm;
  const std::vector<std::string> positions{"learned", "rotary"};
  m.positions = r.choice("positions", positions, m.positions == Positions::kRotary ? "rotary" : "learned",
                         "learned position embeddings (s·h parameters) or rotary (applied to q and k)") == "rotary"
                    ? Positions::kRotary
                    : Positions::kLearned;
  m.bias = r.optional<bool>("bias", m.bias, "linear layers with biases");
  m.tied_embeddings =
      r.optional<bool>("tied_embeddings", m.tied_embeddings, "the output layer shares the word embedding's weights");
  for (const auto& [key, v] : {std::pair{"layers", m.layers}, std::pair{"hidden", m.hidden}, std::pair{"heads", m.heads},
                                std::pair{"vocab", m.vocab}, std::pair{"seq_len", m.seq_len}}) {
    r.check(v >= 1, key, "must be at least 1");
  }
  r.check(m.heads < 1 || m.hidden % m.heads == 0, "heads",
          fmt::format("hidden {} is not a multiple of heads {}", m.hidden, m.heads));
  r.check(m.kv_heads >= 1 && m.kv_heads <= m.heads && m.heads % m.kv_heads == 0, "kv_heads",
          fmt::format("must divide heads {} (grouped-query attention), got {}", m.heads, m.kv_heads));
  r.check(m.ffn_hidden >= 1, "ffn_hidden", "must be at least 1");
  // Caps far above any model trained so far (Llama 3 405B: 126 layers, hidden
  // 16,384, vocabulary 128,256), so that the lowering's 64-bit products of
  // sizes cannot overflow (TrainingParams::read checks the products with the batch).
  for (const auto& [key, v, cap] : {std::tuple{"layers", m.layers, kMaxLayers}, std::tuple{"hidden", m.hidden, kMaxWidth},
                                    std::tuple{"ffn_hidden", m.ffn_hidden, kMaxWidth}, std::tuple{"vocab", m.vocab, kMaxVocab},
                                    std::tuple{"seq_len", m.seq_len, kMaxSeqLen}, std::tuple{"experts", m.experts, kMaxExperts}}) {
    r.check(v <= cap, key, fmt::format("{} is more than orrery's cap of {}", v, cap));
  }
  r.check(m.experts >= 1, "experts", "must be at least 1");
  r.check(m.top_k >= 1 && m.top_k <= m.experts, "top_k",
          fmt::format("must be between 1 and experts ({}), got {}", m.experts, m.top_k));
  r.check(m.moe_ffn_hidden >= 0 && m.moe_ffn_hidden <= kMaxWidth, "moe_ffn_hidden",
          fmt::format("must be between 0 (ffn_hidden) and orrery's cap of {}, got {}", kMaxWidth, m.moe_ffn_hidden));
  r.check(m.shared_experts >= 0 && m.shared_experts <= kMaxExperts, "shared_experts",
          fmt::format("must be between 0 and orrery's cap of {}, got {}", kMaxExperts, m.shared_experts));
  r.check(m.dense_layers >= 0 && m.dense_layers < m.layers, "dense_layers",
          fmt::format("must be between 0 and layers − 1 ({}), got {}", m.layers - 1, m.dense_layers));
  for (const auto& [key, v] : {std::pair{"moe_ffn_hidden", m.moe_ffn_hidden}, std::pair{"shared_experts", m.shared_experts},
                                std::pair{"dense_layers", m.dense_layers}}) {
    r.check(v == 0 || m.experts > 1, key, "needs a mixture-of-experts model (experts > 1)");
  }
  return m;
}

double activation_bytes_per_layer(const TransformerSpec& m, const ActivationShape& a, bool routed) {
  const double s = static_cast<double>(m.seq_len) / a.cp;  // the rank's tokens per sequence
  const auto b = static_cast<double>(a.micro_batch);
  const auto h = static_cast<double>(m.hidden);
  const double t = a.tp;
  const double sp = a.sequence_parallel ? t : 1.0;
  if (a.recompute == Recompute::kFull) return 2 * s * b * h / sp;
  const double replicated = 10 * h;  // layer-norm inputs, dropout masks, QKV and MLP inputs (Korthikanti: 10sbh)
  const double ffn_tensors = m.gated() ? 3.0 : 2.0;  // 2 bytes each: GeLU's input and the down projection's; gate, up and it
  // A token's ffn-wide width: its k routed experts and the shared ones, or the dense MLP.
  const double ffn = routed ? static_cast<double>(m.expert_ffn()) * static_cast<double>(m.top_k + m.shared_experts)
                            : static_cast<double>(m.ffn_hidden);
  const double split = 4 * h + 4 * static_cast<double>(m.kv_dim()) + 2 * ffn_tensors * ffn;
  double per_token = replicated / sp + split / t;
  const bool scores = a.recompute == Recompute::kNone && a.stores_scores;
  if (scores) per_token += 5 * static_cast<double>(m.heads) * static_cast<double>(m.seq_len) / t;
  return s * b * per_token;
}

ModelStateBytes model_state_bytes(double parameters, const ZeroShape& z) {
  const double n = z.ranks;
  ModelStateBytes out;
  out.weights = parameters * z.weight_bytes / (z.stage >= 3 ? n : 1.0);
  out.gradients = parameters * z.gradient_bytes / (z.stage >= 2 ? n : 1.0);
  out.optimizer = parameters * z.optimizer_bytes / (z.stage >= 1 ? n : 1.0);
  if (z.offload_optimizer) out.optimizer = 0;
  if (z.offload_parameters) out.weights = 0;
  return out;
}

}  // namespace orrery::workload::training
