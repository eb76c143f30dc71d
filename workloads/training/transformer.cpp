#include "workloads/training/transformer.hpp"

#include <fmt/format.h>

namespace orrery::workload::training {

double TransformerSpec::layer_parameters() const {
  const auto h = static_cast<double>(hidden);
  const auto kv = static_cast<double>(kv_dim());
  const auto f = static_cast<double>(ffn_hidden);
  const double attention = h * (h + 2 * kv) + (h + 2 * kv) + h * h + h;
  const double expert = 2 * h * f + f + h;
  const double router = experts > 1 ? h * static_cast<double>(experts) : 0.0;
  return attention + static_cast<double>(experts) * expert + router + 4 * h;
}

double TransformerSpec::embedding_parameters() const {
  return static_cast<double>(vocab + seq_len) * static_cast<double>(hidden);
}

TransformerSpec TransformerSpec::read(config::Reader& r) {
  TransformerSpec m;
  m.layers = r.required<std::int64_t>("layers", "transformer layers");
  m.hidden = r.required<std::int64_t>("hidden", "hidden size h");
  m.heads = r.required<std::int64_t>("heads", "attention heads a");
  m.kv_heads = r.maybe<std::int64_t>("kv_heads", "key/value heads (grouped-query attention); = heads by default")
                   .value_or(m.heads);
  m.ffn_hidden =
      r.maybe<std::int64_t>("ffn_hidden", "feed-forward hidden size; 4·hidden by default").value_or(4 * m.hidden);
  m.vocab = r.required<std::int64_t>("vocab", "vocabulary size V");
  m.seq_len = r.required<std::int64_t>("seq_len", "sequence length s");
  m.experts = r.optional<std::int64_t>("experts", 1, "experts per feed-forward layer (mixture of experts); 1 = dense");
  m.top_k = r.optional<std::int64_t>("top_k", 1, "experts each token is routed to");
  for (const auto& [key, v] : {std::pair{"layers", m.layers}, std::pair{"hidden", m.hidden}, std::pair{"heads", m.heads},
                                std::pair{"vocab", m.vocab}, std::pair{"seq_len", m.seq_len}}) {
    r.check(v >= 1, key, "must be at least 1");
  }
  r.check(m.heads < 1 || m.hidden % m.heads == 0, "heads",
          fmt::format("hidden {} is not a multiple of heads {}", m.hidden, m.heads));
  r.check(m.kv_heads >= 1 && m.kv_heads <= m.heads && m.heads % m.kv_heads == 0, "kv_heads",
          fmt::format("must divide heads {} (grouped-query attention), got {}", m.heads, m.kv_heads));
  r.check(m.ffn_hidden >= 1, "ffn_hidden", "must be at least 1");
  r.check(m.experts >= 1, "experts", "must be at least 1");
  r.check(m.top_k >= 1 && m.top_k <= m.experts, "top_k",
          fmt::format("must be between 1 and experts ({}), got {}", m.experts, m.top_k));
  return m;
}

double activation_bytes_per_layer(const TransformerSpec& m, const ActivationShape& a) {
  const double s = static_cast<double>(m.seq_len) / a.cp;  // the rank's tokens per sequence
  const auto b = static_cast<double>(a.micro_batch);
  const auto h = static_cast<double>(m.hidden);
  const double t = a.tp;
  const double sp = a.sequence_parallel ? t : 1.0;
  if (a.recompute == Recompute::kFull) return 2 * s * b * h / sp;
  const double replicated = 10 * h;  // layer-norm inputs, dropout masks, QKV and MLP inputs (Korthikanti: 10sbh)
  const double split = 4 * h + 4 * static_cast<double>(m.kv_dim()) +
                       4 * static_cast<double>(m.ffn_hidden) * static_cast<double>(m.top_k);
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
