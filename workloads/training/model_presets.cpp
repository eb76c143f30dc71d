// The presets' shapes. GPT-3 sizes from Brown et al. 2020, Table 2.1 (GPT-2's
// vocabulary of 50,257 tokens, 2,048-token context, ffn = 4h, learned
// positions, tied embeddings, LayerNorm and biases). Llama 2 from Touvron et
// al. 2023, Table 1 and the released config.json files (4,096-token context,
// 32,000 tokens); Llama 3 and 3.1 from Dubey et al. 2024, Table 3 and the
// released config.json files (8,192-token pre-training context, 128,256
// tokens); Mixtral from Jiang et al. 2024, Table 1 and its config.json;
// DeepSeekMoE 16B from Dai et al. 2024 ("DeepSeekMoE", §5 and Appendix A)
// and deepseek-moe-16b-base's config.json (64 routed experts of width 1,408,
// 6 per token, 2 shared, the first layer dense with width 10,944; 16.4B
// parameters, 2.8B activated). The Llama, Mixtral and DeepSeek families:
// SwiGLU, RMSNorm, rotary positions, no biases, untied embeddings. DeepSeek-V2
// and V3 are not here: their multi-head latent attention is not modelled.
#include "workloads/training/model_presets.hpp"

#include <algorithm>

namespace orrery::workload::training {

namespace {

TransformerSpec gpt3(std::int64_t layers, std::int64_t hidden, std::int64_t heads) {
  TransformerSpec m;
  m.layers = layers;
  m.hidden = hidden;
  m.heads = heads;
  m.kv_heads = heads;
  m.ffn_hidden = 4 * hidden;
  m.vocab = 50257;
  m.seq_len = 2048;
  return m;
}

TransformerSpec llama(std::int64_t layers, std::int64_t hidden, std::int64_t heads, std::int64_t kv_heads,
                      std::int64_t ffn_hidden, std::int64_t vocab, std::int64_t seq_len) {
  TransformerSpec m;
  m.layers = layers;
  m.hidden = hidden;
  m.heads = heads;
  m.kv_heads = kv_heads;
  m.ffn_hidden = ffn_hidden;
  m.vocab = vocab;
  m.seq_len = seq_len;
  m.mlp = Mlp::kSwiglu;
  m.norm = Norm::kRmsNorm;
  m.positions = Positions::kRotary;
  m.bias = false;
  m.tied_embeddings = false;
  return m;
}

TransformerSpec vocab(TransformerSpec m, std::int64_t v) {
  m.vocab = v;
  return m;
}

TransformerSpec moe(TransformerSpec m, std::int64_t experts, std::int64_t top_k) {
  m.experts = experts;
  m.top_k = top_k;
  return m;
}

// DeepSeekMoE's fine-grained experts: `width` each, `shared` of them taken by every token, the first `dense` layers dense.
TransformerSpec deepseek_moe(TransformerSpec m, std::int64_t width, std::int64_t shared, std::int64_t dense) {
  m.moe_ffn_hidden = width;
  m.shared_experts = shared;
  m.dense_layers = dense;
  return m;
}

}  // namespace

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> presets{
      // Table 2.1 gives GPT-3 XL 24 heads of 128, which do not divide 2,048: 16 heads
      // of 128, as Megatron-LM trains its 1.3B GPT.
      {"gpt3-1.3b", gpt3(24, 2048, 16), "Brown et al. 2020, Table 2.1 (GPT-3 XL), 16 heads of 128"},
      {"gpt3-6.7b", gpt3(32, 4096, 32), "Brown et al. 2020, Table 2.1"},
      {"gpt3-175b", gpt3(96, 12288, 96), "Brown et al. 2020, Table 2.1"},
      {"opt-13b", vocab(gpt3(40, 5120, 40), 50272), "Zhang et al. 2022 (OPT), Table 1; facebook/opt-13b config.json (ReLU, priced as GeLU: both pointwise)"},
      {"opt-66b", vocab(gpt3(64, 9216, 72), 50272), "Zhang et al. 2022 (OPT), Table 1; facebook/opt-66b config.json"},
      {"llama2-7b", llama(32, 4096, 32, 32, 11008, 32000, 4096), "Touvron et al. 2023; Llama-2-7b config.json"},
      {"llama2-13b", llama(40, 5120, 40, 40, 13824, 32000, 4096), "Touvron et al. 2023; Llama-2-13b config.json"},
      {"llama2-70b", llama(80, 8192, 64, 8, 28672, 32000, 4096), "Touvron et al. 2023; Llama-2-70b config.json"},
      {"llama3-8b", llama(32, 4096, 32, 8, 14336, 128256, 8192), "Dubey et al. 2024, Table 3; Meta-Llama-3-8B config.json"},
      {"llama3-70b", llama(80, 8192, 64, 8, 28672, 128256, 8192), "Dubey et al. 2024, Table 3; Meta-Llama-3-70B config.json"},
      {"llama3-405b", llama(126, 16384, 128, 8, 53248, 128256, 8192),
       "Dubey et al. 2024, Table 3; Llama-3.1-405B config.json"},
      {"mixtral-8x7b", moe(llama(32, 4096, 32, 8, 14336, 32000, 4096), 8, 2),
       "Jiang et al. 2024, Table 1; Mixtral-8x7B-v0.1 config.json"},
      {"deepseek-moe-16b", deepseek_moe(moe(llama(28, 2048, 16, 16, 10944, 102400, 4096), 64, 6), 1408, 2, 1),
       "Dai et al. 2024 (DeepSeekMoE), §5; deepseek-moe-16b-base config.json"},
  };
  return presets;
}

std::optional<TransformerSpec> model_preset(std::string_view name) {
  const auto& all = model_presets();
  const auto it = std::find_if(all.begin(), all.end(), [&](const ModelPreset& p) { return p.name == name; });
  if (it == all.end()) return std::nullopt;
  return it->spec;
}

}  // namespace orrery::workload::training
