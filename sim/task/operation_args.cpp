#include "sim/task/operation_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <type_traits>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"
#include "sim/core/units.hpp"

namespace orrery::task {

namespace {

struct KeyHelp {
  std::string key;
  std::string default_value;  // empty: required
  std::string help;
};

// The key=value words of one operation. In describe mode (docs given) it
// records each key asked for instead of reading.
class Args {
 public:
  Args(std::string_view kind, std::span<const std::string> words) : kind_(kind) {
    for (const auto& w : words) {
      const auto eq = w.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ConfigError(fmt::format("{}: '{}' is not key=value (e.g. m=8192)", kind_, w));
      }
      const std::string key = w.substr(0, eq);
      if (given_.count(key))
        throw ConfigError(SourceLocation{w, 0, 0}, kind_, fmt::format("key '{}' given twice", key));
      given_[key] = Given{w.substr(eq + 1), w};
    }
  }
  explicit Args(std::string_view kind, std::vector<KeyHelp>* docs) : kind_(kind), docs_(docs) {}

  std::int64_t integer(const std::string& key, std::string_view help, std::optional<std::int64_t> fallback,
                       std::int64_t min = 1) {
    const Given* g = take(key, help, fallback ? std::to_string(*fallback) : "");
    if (!g) return fallback.value_or(0);
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(g->value.data(), g->value.data() + g->value.size(), v);
    if (ec != std::errc() || ptr != g->value.data() + g->value.size()) {
      fail(*g, key, fmt::format("expected an integer, found '{}'", g->value));
    }
    if (v < min) fail(*g, key, fmt::format("must be at least {}, got {}", min, v));
    return v;
  }

  double number(const std::string& key, std::string_view help, double fallback, double min = 0) {
    const Given* g = take(key, help, fmt::format("{}", fallback));
    if (!g) return fallback;
    double v = 0;
    auto [ptr, ec] = std::from_chars(g->value.data(), g->value.data() + g->value.size(), v);
    if (ec != std::errc() || ptr != g->value.data() + g->value.size() || !std::isfinite(v)) {
      fail(*g, key, fmt::format("expected a number, found '{}'", g->value));
    }
    if (v < min) fail(*g, key, fmt::format("must be at least {}, got {}", min, v));
    return v;
  }

  bool boolean(const std::string& key, std::string_view help, bool fallback) {
    const Given* g = take(key, help, fallback ? "true" : "false");
    if (!g) return fallback;
    if (g->value == "true" || g->value == "1") return true;
    if (g->value == "false" || g->value == "0") return false;
    fail(*g, key, fmt::format("expected true or false, found '{}'", g->value));
  }

  // One of `names`; returns its index.
  std::size_t choice(const std::string& key, std::string_view help, const std::vector<std::string_view>& names,
                     std::size_t fallback) {
    const Given* g = take(key, help, std::string(names[fallback]));
    if (!g) return fallback;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == g->value) return i;
    std::vector<std::string> valid(names.begin(), names.end());
    std::string msg = fmt::format("unknown value '{}'", g->value);
    if (auto near = nearest(g->value, valid)) msg += fmt::format("; did you mean '{}'?", *near);
    fail(*g, key, msg + "; valid: " + join(valid));
  }

  std::int64_t bytes(const std::string& key, std::string_view help) {
    const Given* g = take(key, help, "");
    if (!g) return 0;
    try {
      const Bytes b = parse_bytes(g->value);
      if (b.count() <= 0) fail(*g, key, "must be positive");
      return b.count();
    } catch (const ValueError& e) {
      fail(*g, key, e.what());
    }
  }

  DType dtype(const std::string& key, std::string_view help, DType fallback) {
    const Given* g = take(key, help, std::string(name_of(fallback)));
    if (!g) return fallback;
    return dtype_at(*g, key, g->value);
  }

  // A comma-separated list, e.g. weights=int4,int8,int8.
  std::vector<DType> dtypes(const std::string& key, std::string_view help, std::vector<DType> fallback) {
    std::string shown;
    for (DType t : fallback) {
      if (!shown.empty()) shown += ',';
      shown += name_of(t);
    }
    const Given* g = take(key, help, shown);
    if (!g) return fallback;
    std::vector<DType> out;
    std::string_view rest = g->value;
    while (true) {
      const auto comma = rest.find(',');
      out.push_back(dtype_at(*g, key, rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }

  void finish() const {
    if (docs_) return;
    std::vector<std::string> valid;
    for (const auto& k : asked_) valid.push_back(k);
    for (const auto& [key, g] : given_) {
      if (std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
      std::string msg = fmt::format("unknown key '{}'", key);
      if (auto near = nearest(key, valid)) msg += fmt::format("; did you mean '{}'?", *near);
      throw ConfigError(SourceLocation{g.word, 0, 0}, kind_, msg + "; valid: " + join(valid));
    }
  }

  [[nodiscard]] bool describing() const { return docs_ != nullptr; }

 private:
  struct Given {
    std::string value;
    std::string word;
  };

  const Given* take(const std::string& key, std::string_view help, std::string default_shown) {
    asked_.push_back(key);
    if (docs_) {
      docs_->push_back(KeyHelp{key, std::move(default_shown), std::string(help)});
      return nullptr;
    }
    auto it = given_.find(key);
    if (it == given_.end()) {
      if (default_shown.empty()) {
        throw ConfigError(fmt::format("{}: missing required key '{}' ({}); keys: {}", kind_, key, help,
                                      join(all_keys_hint())));
      }
      return nullptr;
    }
    return &it->second;
  }

  // Every key of this kind, for "missing key" messages: ask a describing twin.
  [[nodiscard]] std::vector<std::string> all_keys_hint() const;

  DType dtype_at(const Given& g, const std::string& key, std::string_view text) const {
    try {
      return parse_dtype(text);
    } catch (const ValueError& e) {
      fail(g, key, e.what());
    }
  }

  [[noreturn]] void fail(const Given& g, const std::string& key, std::string_view message) const {
    throw ConfigError(SourceLocation{g.word, 0, 0}, kind_ + "." + key, std::string(message));
  }

  std::string kind_;
  std::map<std::string, Given> given_;
  std::vector<std::string> asked_;
  std::vector<KeyHelp>* docs_ = nullptr;
};

using ReadFn = std::function<Operation(Args&)>;

struct Kind {
  std::string name;
  std::string description;
  ReadFn read;
};

Operation read_gemm(Args& a) {
  Gemm g;
  g.m = a.integer("m", "rows of A and C", std::nullopt);
  g.n = a.integer("n", "columns of B and C", std::nullopt);
  g.k = a.integer("k", "the reduction dimension", std::nullopt);
  g.batch = a.integer("batch", "independent GEMMs of this shape", 1);
  g.dtype = a.dtype("dtype", "element type of A and B", DType::kBf16);
  return g;
}

Operation read_attention(Args& a) {
  Attention t;
  t.batch = a.integer("batch", "sequences", 1);
  t.heads = a.integer("heads", "query heads", std::nullopt);
  t.kv_heads = a.integer("kv_heads", "key/value heads (grouped-query attention); 0: as many as heads", 0, 0);
  t.seq = a.integer("seq", "sequence length", std::nullopt);
  t.head_dim = a.integer("head_dim", "dimension of each head", 128);
  t.causal = a.boolean("causal", "causal mask (half the score matrix)", false);
  t.dtype = a.dtype("dtype", "element type", DType::kBf16);
  t.backward = a.boolean("backward", "the backward pass (dQ, dK, dV from dO)", false);
  if (!a.describing() && t.kv_heads == 0) t.kv_heads = t.heads;
  return t;
}

Operation read_layer(Args& a) {
  LayerOp l;
  std::vector<std::string_view> kernels;
  for (int i = 0; i < kLayerKernelCount; ++i) kernels.push_back(name_of(static_cast<LayerKernel>(i)));
  l.kernel = static_cast<LayerKernel>(a.choice("kernel", "the framework kernel", kernels, 0));
  l.backward = a.choice("pass", "forward or backward", {"forward", "backward"}, 0) == 1;
  l.dtype = a.dtype("dtype", "element type (fp32 for the loss over fp32 logits)", DType::kBf16);
  l.tokens = a.integer("tokens", "rows: tokens (for adam, rows of the parameter tensor)", std::nullopt, 1);
  l.width = a.integer("width", "columns: hidden size, ffn width, or vocabulary for the loss", std::nullopt, 1);
  return l;
}

ReadFn read_pointwise(PointwiseKind kind, double fpb_default) {
  return [kind, fpb_default](Args& a) -> Operation {
    Elementwise e;
    e.kind = kind;
    e.bytes = a.bytes("bytes", "bytes read plus bytes written, e.g. 2GiB");
    e.flops_per_byte = a.number("flops_per_byte", "arithmetic intensity", fpb_default);
    return e;
  };
}

Operation read_embedding(Args& a) {
  Embedding m;
  m.tokens = a.integer("tokens", "tokens looked up", std::nullopt);
  m.hidden = a.integer("hidden", "embedding width", std::nullopt);
  m.vocab = a.integer("vocab", "table rows", std::nullopt);
  m.dtype = a.dtype("dtype", "element type", DType::kBf16);
  return m;
}

Operation read_vocab(Args& a) {
  VocabProjection v;
  v.tokens = a.integer("tokens", "tokens projected", std::nullopt);
  v.hidden = a.integer("hidden", "model width", std::nullopt);
  v.vocab = a.integer("vocab", "vocabulary size", std::nullopt);
  v.dtype = a.dtype("dtype", "element type", DType::kBf16);
  return v;
}

Operation read_optimizer(Args& a) {
  OptimizerStep o;
  o.parameters = a.integer("parameters", "parameters updated", std::nullopt);
  o.bytes_read_per_parameter = a.number("bytes_read", "bytes read per parameter (Adam: 16)", 16);
  o.bytes_written_per_parameter = a.number("bytes_written", "bytes written per parameter (Adam: 14)", 14);
  o.flops_per_parameter = a.number("flops_per_parameter", "FLOPs per parameter (Adam: 12)", 12);
  return o;
}

Operation read_hashgrid(Args& a) {
  HashGridEncoding h;
  h.levels = a.integer("levels", "resolution levels", 16);
  h.features = a.integer("features", "features per level", 2);
  h.log2_table = a.integer("log2_table", "log2 of the entries per level's table", 19);
  h.points = a.integer("points", "points encoded", std::nullopt);
  h.dims = a.integer("dims", "input dimensions (2: image, 3: volume)", 3);
  return h;
}

Operation read_mlp(Args& a) {
  TinyMlp m;
  m.width = a.integer("width", "neurons per hidden layer", 64);
  m.depth = a.integer("depth", "hidden layers", 2);
  m.points = a.integer("points", "points evaluated", std::nullopt);
  m.inputs = a.integer("inputs", "input width (e.g. levels × features)", 32);
  m.outputs = a.integer("outputs", "output width", 16);
  return m;
}

template <class Sparse>
Operation read_sparse(Args& a) {
  Sparse s;
  s.rows = a.integer("rows", "rows of the sparse matrix", std::nullopt);
  s.cols = a.integer("cols", "columns of the sparse matrix", std::nullopt);
  s.nnz = a.integer("nnz", "nonzeros", std::nullopt);
  s.n = a.integer("n", "columns of the dense operand (SpMM) or inner dimension (SDDMM)", std::nullopt);
  s.dtype = a.dtype("dtype", "element type", DType::kFp16);
  s.block_rows = a.integer("block_rows", "rows of the hardware block; 0: the dtype's default", 0, 0);
  s.block_cols = a.integer("block_cols", "columns of the hardware block; 0: the dtype's default", 0, 0);
  if (!a.describing() && s.nnz > s.rows * s.cols) {
    throw ConfigError(fmt::format("{}: nnz {} exceeds rows × cols = {}",
                                  std::is_same_v<Sparse, Spmm> ? "spmm" : "sddmm", s.nnz, s.rows * s.cols));
  }
  return s;
}

Operation read_quant(Args& a) {
  QuantGemm q;
  q.m = a.integer("m", "rows of the activations", std::nullopt);
  q.n = a.integer("n", "output features", std::nullopt);
  q.k = a.integer("k", "input features", std::nullopt);
  q.weights = a.dtypes("weights", "weight type per layer, comma-separated (OHQ-style mixed precision)",
                       {DType::kInt8});
  q.activations = a.dtype("activations", "activation type", DType::kBf16);
  q.group_size = a.integer("group_size", "weights per fp16 scale; 0: per-tensor", 128, 0);
  return q;
}

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k{
      {"attention", "fused attention (FlashAttention, cuDNN), forward or backward", read_attention},
      {"elementwise", "a memory-bound pointwise kernel", read_pointwise(PointwiseKind::kElementwise, 0.25)},
      {"embedding", "embedding lookup (gather)", read_embedding},
      {"gemm", "dense matrix multiply C = A·B", read_gemm},
      {"hashgrid", "multi-resolution hash-grid encoding", read_hashgrid},
      {"layer", "a memory-bound framework kernel (LayerNorm, GELU, add, cross entropy...)", read_layer},
      {"mlp", "fully fused tiny MLP (fp16)", read_mlp},
      {"norm", "layer or RMS normalization", read_pointwise(PointwiseKind::kNorm, 1.0)},
      {"optimizer_step", "Adam update of a parameter shard", read_optimizer},
      {"quant_gemm", "GEMM layers with quantized weights", read_quant},
      {"sddmm", "sampled dense-dense matrix multiply", read_sparse<Sddmm>},
      {"softmax", "softmax over rows", read_pointwise(PointwiseKind::kSoftmax, 1.25)},
      {"spmm", "sparse × dense matrix multiply", read_sparse<Spmm>},
      {"vocab_projection", "the output layer: tokens × vocab × hidden GEMM", read_vocab},
  };
  return k;
}

const Kind* find_kind(std::string_view name) {
  for (const auto& k : kinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<KeyHelp> keys_of(const Kind& k) {
  std::vector<KeyHelp> docs;
  Args a(k.name, &docs);
  (void)k.read(a);
  return docs;
}

std::vector<std::string> Args::all_keys_hint() const {
  std::vector<std::string> out;
  if (const Kind* k = find_kind(kind_)) {
    for (const auto& d : keys_of(*k)) out.push_back(d.key);
  }
  return out;
}

}  // namespace

DType parse_dtype(std::string_view text) {
  std::vector<std::string> names;
  for (int i = 0; i < kDTypeCount; ++i) {
    const auto t = static_cast<DType>(i);
    if (name_of(t) == text) return t;
    names.emplace_back(name_of(t));
  }
  std::string msg = fmt::format("unknown dtype '{}'", text);
  if (auto near = nearest(text, names)) msg += fmt::format("; did you mean '{}'?", *near);
  throw ValueError(msg + "; valid: " + join(names));
}

std::vector<std::string> operation_kinds() {
  std::vector<std::string> out;
  for (const auto& k : kinds()) out.push_back(k.name);
  return out;
}

Operation parse_operation(std::string_view kind, std::span<const std::string> args) {
  const Kind* k = find_kind(kind);
  if (!k) {
    const auto names = operation_kinds();
    std::string msg = fmt::format("unknown operation '{}'", kind);
    if (auto near = nearest(kind, names)) msg += fmt::format("; did you mean '{}'?", *near);
    throw ConfigError(msg + "; valid: " + join(names));
  }
  Args a(k->name, args);
  Operation op = k->read(a);
  a.finish();
  return op;
}

std::string operation_help() {
  std::string out;
  for (const auto& k : kinds()) {
    out += fmt::format("  {:<17} {}\n", k.name, k.description);
    for (const auto& d : keys_of(k)) {
      out += fmt::format("      {:<20} {:<12} {}\n", d.key,
                         d.default_value.empty() ? "(required)" : "= " + d.default_value, d.help);
    }
  }
  return out;
}

}  // namespace orrery::task
