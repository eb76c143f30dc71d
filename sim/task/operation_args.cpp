#include "sim/task/operation_args.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <type_traits>

#include "sim/core/error.hpp"
#include "sim/task/operation_args_words.hpp"

namespace orrery::task {

namespace {

using operation_args::Args;
using operation_args::KeyHelp;

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
  static const std::vector<std::string_view> kAccumulate{"none", "fp32", "bf16", "fp16"};
  const std::size_t acc = a.choice("accumulate",
                                   "none: C written in dtype; or the type of a C the product is added into (beta = 1, "
                                   "Megatron's fused gradient accumulation)",
                                   kAccumulate, 0);
  if (acc > 0) g.accumulate = parse_dtype(kAccumulate[acc]);
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

Operation read_cached_attention(Args& a) {
  CachedAttention t;
  t.batch = a.integer("batch", "sequences", 1, 1);
  t.heads = a.integer("heads", "query heads", std::nullopt, 1);
  t.kv_heads = a.integer("kv_heads", "key/value heads (grouped-query attention); 0: as many as heads", 0, 0);
  t.head_dim = a.integer("head_dim", "dimension of each head", 128, 1);
  t.queries = a.integer("queries", "new tokens per sequence (1: a decode step)", 1, 1);
  t.context = a.integer("context", "tokens in each sequence's KV cache, the new ones included", std::nullopt, 1);
  t.dtype = a.dtype("dtype", "element type of Q, K, V", DType::kBf16);
  if (!a.describing() && t.kv_heads == 0) t.kv_heads = t.heads;
  if (!a.describing() && t.queries > t.context) {
    throw ValueError(fmt::format("queries ({}) exceed the context ({}): the context includes the new tokens",
                                 t.queries, t.context));
  }
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
  h.encoding = static_cast<GridEncoding>(
      a.choice("encoding", "hash (instant-ngp), dense grid, or simplex (dims + 1 vertices)",
               {"hash", "dense", "simplex"}, 0));
  h.base_resolution = a.integer("base_resolution", "coarsest grid resolution; 0: every level at 2^log2_table", 0, 0);
  h.per_level_scale = a.number("per_level_scale", "resolution growth per level", 2.0);
  return h;
}

Operation read_neural_field(Args& a) {
  NeuralField f;
  f.encoding = std::get<HashGridEncoding>(read_hashgrid(a));
  TinyMlp m;
  m.width = a.integer("width", "neurons per hidden layer", 64);
  m.depth = a.integer("depth", "hidden layers", 2);
  m.inputs = a.integer("inputs", "MLP input width; 0: levels × features", 0, 0);
  if (m.inputs == 0) m.inputs = f.encoding.levels * f.encoding.features;
  m.outputs = a.integer("outputs", "output width", 16);
  m.points = f.encoding.points;
  f.mlps.push_back(m);
  return f;
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
  if constexpr (std::is_same_v<Sparse, Spmm>) {
    s.two_four = a.choice("pattern", "unstructured (blocks of block_rows × block_cols) or 2:4 (sparse tensor cores)",
                          {"unstructured", "2:4"}, 0) == 1;
  }
  if (!a.describing() && s.nnz > s.rows * s.cols) {
    throw ConfigError(fmt::format("{}: nnz {} exceeds rows × cols = {}",
                                  std::is_same_v<Sparse, Spmm> ? "spmm" : "sddmm", s.nnz, s.rows * s.cols));
  }
  return s;
}

Operation read_ivfpq(Args& a) {
  IvfPqSearch s;
  s.batch = a.integer("batch", "queries searched together", 1, 1);
  s.dim = a.integer("dim", "vector dimension (SIFT 128, Deep 96)", 128, 1);
  s.vectors = a.integer("vectors", "vectors in the index (this device's shard)", std::nullopt, 1);
  s.nlist = a.integer("nlist", "IVF cells", 8192, 1);
  s.nprobe = a.integer("nprobe", "cells probed per query", std::nullopt, 1);
  s.m = a.integer("m", "bytes per PQ code", 16, 1);
  s.k = a.integer("k", "results per query", 10, 1);
  s.opq = a.boolean("opq", "an OPQ rotation of each query first", false);
  const auto design = [&](const char* key, const char* help) {
    return static_cast<int>(a.integer(key, help, 0, 0));
  };
  s.opq_unroll = design("opq_unroll", "FPGA: OPQ unroll, 4 or 8 (0: co-designed)");
  s.ivf_pes = design("ivf_pes", "FPGA: IVFDist PEs, 1-16 (0: co-designed)");
  s.cell_queues = design("cell_queues", "FPGA: SelCells level-1 queues (0: co-designed)");
  s.lut_pes = design("lut_pes", "FPGA: BuildLUT PEs (0: co-designed)");
  s.scan_channels = design("scan_channels", "FPGA: HBM channels of the PQ codes (0: co-designed)");
  s.scan_pes = design("scan_pes", "FPGA: PQDist PEs (0: co-designed)");
  s.utilization = a.number("utilization", "FPGA: share of each resource the design and shell may use", 0.6);
  if (!a.describing()) {
    if (s.nprobe > s.nlist) throw ConfigError(fmt::format("ivfpq: nprobe {} exceeds nlist {}", s.nprobe, s.nlist));
    if (s.m > s.dim) throw ConfigError(fmt::format("ivfpq: m {} exceeds dim {}", s.m, s.dim));
    if (!(s.utilization > 0 && s.utilization <= 1)) throw ConfigError("ivfpq: utilization must be in (0, 1]");
    const double codes = static_cast<double>(s.batch) * static_cast<double>(s.nprobe) *
                         static_cast<double>(s.vectors) / static_cast<double>(s.nlist);
    if (codes > std::ldexp(1.0, 50)) {
      throw ConfigError(fmt::format("ivfpq: the batch would scan {:.3g} PQ codes (batch × nprobe × vectors ÷ nlist), "
                                    "more than 2^50",
                                    codes));
    }
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
      {"cached_attention", "attention of new tokens over a KV cache (decode, chunked prefill)",
       read_cached_attention},
      {"elementwise", "a memory-bound pointwise kernel", read_pointwise(PointwiseKind::kElementwise, 0.25)},
      {"embedding", "embedding lookup (gather)", read_embedding},
      {"gemm", "dense matrix multiply C = A·B", read_gemm},
      {"hashgrid", "multi-resolution hash-grid encoding", read_hashgrid},
      {"ivfpq", "an IVF-PQ search of a batch of queries (FANNS's design on an FPGA, Faiss's kernels elsewhere)",
       read_ivfpq},
      {"layer", "a memory-bound framework kernel (LayerNorm, GELU, add, cross entropy...)", read_layer},
      {"mlp", "fully fused tiny MLP (fp16)", read_mlp},
      {"neural_field", "a grid encoding feeding one tiny MLP (fused on an NGPC, two kernels on a GPU)",
       read_neural_field},
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

}  // namespace

std::vector<std::string> operation_args::Args::all_keys_hint() const {
  std::vector<std::string> out;
  if (const Kind* k = find_kind(kind_)) {
    for (const auto& d : keys_of(*k)) out.push_back(d.key);
  }
  return out;
}

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
