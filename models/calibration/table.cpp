#include "models/calibration/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "sim/config/document.hpp"
#include "sim/config/reader.hpp"
#include "sim/task/operation_args.hpp"

namespace orrery::models {

namespace {

constexpr const char* kFormat = "orrery-calibration/1";

const std::vector<std::string>& dtype_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (int i = 0; i < task::kDTypeCount; ++i)
      out.emplace_back(task::name_of(static_cast<task::DType>(i)));
    return out;
  }();
  return names;
}

task::DType read_dtype(config::Reader& r) {
  return task::parse_dtype(r.choice("dtype", dtype_names(), std::nullopt, "element type"));
}

std::int64_t positive(config::Reader& r, std::string_view key, std::string_view help) {
  const auto v = r.required<std::int64_t>(key, help);
  r.check(v >= 1, key, "must be at least 1");
  return v;
}

// The time and source every row has.
template <class Row>
void read_common(config::Reader& r, bool published, Row& row) {
  row.time = r.required<Duration>("time", "kernel execution time, launch overhead excluded");
  r.check(row.time > Duration::ns(0), "time", "must be positive");
  if (published) {
    row.source =
        r.required<std::string>("source", "where the figure comes from (paper and table, datasheet...)");
    r.check(row.source.find_first_not_of(" \t") != std::string::npos, "source", "must not be empty");
  } else {
    row.source = r.optional<std::string>("source", "", "where the figure comes from");
  }
}

void read_provenance(config::Reader& r, Provenance& out) {
  r.section("provenance", "where the table's figures come from", true, [&](config::Reader& p) {
    static const std::vector<std::string> kinds{"published", "measured"};
    out.kind = p.choice("kind", kinds, std::nullopt, "published figures or own measurements") == "measured"
                   ? ProvenanceKind::kMeasured
                   : ProvenanceKind::kPublished;
    out.gpu = p.required<std::string>("gpu", "the GPU as its driver names it");
    out.driver = p.optional<std::string>("driver", "n/a", "driver version");
    out.cuda_runtime = p.optional<std::string>("cuda_runtime", "n/a", "CUDA (or ROCm) runtime version");
    out.clocks = p.optional<std::string>("clocks", "n/a", "clock settings during the runs");
    out.date = p.required<std::string>("date", "when the figures were taken (or published)");
    out.command = p.optional<std::string>("command", "n/a", "the command that produced the table");
  });
}

void read_gemm_rows(config::Reader& r, bool published, std::vector<GemmRow>& out) {
  r.list("gemm", "GEMM times", false, [&](config::Reader& e, std::size_t) {
    GemmRow row;
    row.shape.dtype = read_dtype(e);
    row.shape.m = positive(e, "m", "rows of A and C");
    row.shape.n = positive(e, "n", "columns of B and C");
    row.shape.k = positive(e, "k", "reduction dimension");
    row.shape.batch = e.optional<std::int64_t>("batch", 1, "GEMMs per launch");
    e.check(row.shape.batch >= 1, "batch", "must be at least 1");
    static const std::vector<std::string> kAccumulate{"none", "fp32", "bf16", "fp16"};
    const std::string acc = e.choice("accumulate", kAccumulate, "none",
                                     "the type of a C the product is added into (beta = 1; Megatron's fused gradient "
                                     "accumulation); none: C written in dtype");
    if (acc != "none") row.shape.accumulate = task::parse_dtype(acc);
    read_common(e, published, row);
    out.push_back(row);
  });
}

void read_memory_rows(config::Reader& r, bool published, std::vector<MemoryRow>& out) {
  r.list("memory", "memory streaming times", false, [&](config::Reader& e, std::size_t) {
    static const std::vector<std::string> kernels{"read", "write", "copy"};
    MemoryRow row;
    const std::string k =
        e.choice("kernel", kernels, std::nullopt, "read, write, or copy (bytes = buffer copied)");
    row.kernel = k == "read"    ? MemoryKernel::kRead
                 : k == "write" ? MemoryKernel::kWrite
                                : MemoryKernel::kCopy;
    row.bytes = e.required<Bytes>("bytes", "bytes read, written, or copied");
    e.check(row.bytes.count() > 0, "bytes", "must be positive");
    read_common(e, published, row);
    out.push_back(row);
  });
}

KernelPass read_pass(config::Reader& r) {
  static const std::vector<std::string> passes{"forward", "backward"};
  return r.choice("pass", passes, "forward", "forward kernel, or the backward kernel(s) alone") == "backward"
             ? KernelPass::kBackward
             : KernelPass::kForward;
}

void read_attention_rows(config::Reader& r, bool published, std::vector<AttentionRow>& out) {
  r.list("attention", "fused attention times", false, [&](config::Reader& e, std::size_t) {
    AttentionRow row;
    row.shape.dtype = read_dtype(e);
    row.shape.batch = positive(e, "batch", "sequences");
    row.shape.heads = positive(e, "heads", "query heads");
    row.shape.kv_heads = positive(e, "kv_heads", "key/value heads");
    row.shape.seq = positive(e, "seq", "sequence length");
    row.shape.head_dim = positive(e, "head_dim", "head dimension");
    row.shape.causal = e.required<bool>("causal", "causal mask");
    row.pass = read_pass(e);
    row.backend = e.optional<std::string>("backend", "", "the attention kernel: cudnn, flash2, ...");
    read_common(e, published, row);
    out.push_back(row);
  });
}

void read_decode_attention_rows(config::Reader& r, bool published, std::vector<DecodeAttentionRow>& out) {
  r.list("decode_attention", "decode attention over a paged KV cache", false, [&](config::Reader& e, std::size_t) {
    DecodeAttentionRow row;
    row.shape.dtype = read_dtype(e);
    row.shape.batch = positive(e, "batch", "sequences, one query token each");
    row.shape.heads = positive(e, "heads", "query heads");
    row.shape.kv_heads = positive(e, "kv_heads", "key/value heads");
    row.shape.head_dim = positive(e, "head_dim", "head dimension");
    row.shape.context = positive(e, "context", "cached tokens per sequence");
    row.shape.queries = 1;
    read_common(e, published, row);
    out.push_back(row);
  });
}

void read_layer_rows(config::Reader& r, bool published, std::vector<LayerRow>& out) {
  static const std::vector<std::string> kernels = [] {
    std::vector<std::string> names;
    for (int i = 0; i < kLayerKernelCount; ++i) names.emplace_back(name_of(static_cast<LayerKernel>(i)));
    return names;
  }();
  r.list("layer", "memory-bound layer kernel times", false, [&](config::Reader& e, std::size_t) {
    LayerRow row;
    const std::string k = e.choice("kernel", kernels, std::nullopt, "which layer kernel");
    row.shape.kernel = static_cast<LayerKernel>(std::ranges::find(kernels, k) - kernels.begin());
    row.shape.pass = read_pass(e);
    row.shape.dtype = read_dtype(e);
    row.shape.tokens = positive(e, "tokens", "rows (tokens; for adam, rows of the parameter tensor)");
    row.shape.width = positive(e, "width", "columns (hidden, 4h for gelu_tanh, vocabulary for the loss)");
    read_common(e, published, row);
    out.push_back(row);
  });
}

void read_skipped(config::Reader& r, std::vector<SkippedShape>& out) {
  r.list("skipped", "shapes a measuring run could not time", false, [&](config::Reader& e, std::size_t) {
    SkippedShape s;
    s.family = e.required<std::string>("family", "the section the shape belongs to");
    s.shape = e.required<std::string>("shape", "the shape, as the run names it");
    s.reason = e.required<std::string>("reason", "why (the library's status)");
    out.push_back(std::move(s));
  });
}

void read_graphics_rows(config::Reader& r, bool published, CalibrationTable& t) {
  r.list("hashgrid", "hash-grid encoding times", false, [&](config::Reader& e, std::size_t) {
    HashGridRow row;
    row.shape.levels = positive(e, "levels", "resolution levels");
    row.shape.features = positive(e, "features", "features per level");
    row.shape.log2_table = positive(e, "log2_table", "log2 of the table entries per level");
    row.shape.points = positive(e, "points", "points encoded");
    row.shape.dims = e.optional<std::int64_t>("dims", 3, "input dimensions");
    // The levels' resolutions, N_min to N_max: orrery-calibrate's kernel runs 16 to 2,048.
    row.shape.base_resolution = e.optional<std::int64_t>("base_resolution", 16, "the coarsest level's resolution");
    e.check(row.shape.base_resolution >= 1 && row.shape.base_resolution <= (1 << 20), "base_resolution",
            "must be from 1 to 1048576");
    const auto finest = e.optional<std::int64_t>("max_resolution", 2048, "the finest level's resolution");
    e.check(finest >= row.shape.base_resolution && finest <= (1 << 20), "max_resolution",
            "must be from base_resolution to 1048576");
    row.shape.per_level_scale = task::per_level_scale(static_cast<double>(row.shape.base_resolution),
                                                      static_cast<double>(finest), row.shape.levels);
    read_common(e, published, row);
    t.hashgrid.push_back(row);
  });
  r.list("mlp", "fully fused tiny-MLP times", false, [&](config::Reader& e, std::size_t) {
    MlpRow row;
    // The row's `depth` counts the kernel's weight layers (orrery-calibrate's: 2 to 4 layers of
    // 64 × 64, input and output 64 wide); a TinyMlp counts the hidden layers between its first
    // and last, one fewer.
    row.shape.width = positive(e, "width", "neurons per layer");
    const auto layers = positive(e, "depth", "weight layers, the first reading the input and the last writing the output");
    e.check(layers >= 2, "depth", "must be at least 2 (an input and an output layer)");
    row.shape.depth = layers - 1;  // task::weight_layers(row.shape) == layers
    row.shape.points = positive(e, "points", "points evaluated");
    row.shape.inputs = e.optional<std::int64_t>("inputs", row.shape.width, "input width (default: width)");
    row.shape.outputs = e.optional<std::int64_t>("outputs", row.shape.width, "output width (default: width)");
    read_common(e, published, row);
    t.mlp.push_back(row);
  });
}

void read_spmm_rows(config::Reader& r, bool published, std::vector<SpmmRow>& out) {
  r.list("spmm", "sparse × dense times", false, [&](config::Reader& e, std::size_t) {
    SpmmRow row;
    row.shape.dtype = read_dtype(e);
    row.shape.rows = positive(e, "rows", "rows of the sparse matrix");
    row.shape.cols = positive(e, "cols", "columns of the sparse matrix");
    row.shape.nnz = positive(e, "nnz", "nonzeros");
    row.shape.n = positive(e, "n", "columns of the dense matrix");
    row.shape.block_rows = row.shape.block_cols = 1;  // CSR (cuSPARSE's SpMM): no blocks, no padding
    read_common(e, published, row);
    out.push_back(row);
  });
}

void read_collective_rows(config::Reader& r, bool published, std::vector<CollectiveRow>& out) {
  // Every collective but the sparse all-reduce, whose time depends on its density too.
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names = task::collective_op_names();
    std::erase(names, std::string(task::name_of(task::CollectiveOp::kSparseAllReduce)));
    return names;
  }();
  r.list("collective", "collective times inside one node (nccl-tests)", false, [&](config::Reader& e, std::size_t) {
    CollectiveRow row;
    row.op = *task::collective_op(e.choice("op", ops, std::nullopt, "the collective"));
    const auto ranks = e.required<std::int64_t>("ranks", "devices taking part, all in one node");
    e.check(ranks >= 2 && ranks <= 1024, "ranks", "must be from 2 to 1024");
    row.ranks = static_cast<int>(ranks);
    row.fabric = e.required<std::string>("fabric", "the node kind they share (cluster.node.kind: nvswitch, ...)");
    e.check(row.fabric.find_first_not_of(" \t") != std::string::npos, "fabric", "must not be empty");
    row.bytes = e.required<Bytes>("bytes", "the buffer, as nccl-tests sizes it");
    e.check(row.bytes.count() > 0, "bytes", "must be positive");
    read_common(e, published, row);
    out.push_back(row);
  });
}

void read_table(config::Reader& r, CalibrationTable& t) {
  const auto format = r.required<std::string>("format", "the table format, orrery-calibration/1");
  r.check(format == kFormat, "format",
          fmt::format("unknown format '{}'; this program reads {}", format, kFormat));
  t.device = r.required<std::string>("device", "the device file this table calibrates");
  read_provenance(r, t.provenance);
  const bool published = t.provenance.kind == ProvenanceKind::kPublished;
  read_gemm_rows(r, published, t.gemm);
  read_memory_rows(r, published, t.memory);
  read_attention_rows(r, published, t.attention);
  read_decode_attention_rows(r, published, t.decode_attention);
  read_graphics_rows(r, published, t);
  read_spmm_rows(r, published, t.spmm);
  read_layer_rows(r, published, t.layer);
  read_collective_rows(r, published, t.collective);
  read_skipped(r, t.skipped);
  r.finish();
}

}  // namespace

std::string_view name_of(KernelPass p) {
  return p == KernelPass::kBackward ? "backward" : "forward";
}

CalibrationTable read_calibration_document(const config::Document& doc) {
  CalibrationTable t;
  t.file = doc.file();
  YAML::Node resolved(YAML::NodeType::Map);
  config::Reader r(doc, doc.root(), "", resolved);
  read_table(r, t);
  return t;
}

CalibrationTable load_calibration_table(const std::string& path) {
  return read_calibration_document(config::Document::load_file(path));
}

CalibrationTable parse_calibration_table(const std::string& text, const std::string& file_name) {
  return read_calibration_document(config::Document::parse(text, file_name));
}

}  // namespace orrery::models
