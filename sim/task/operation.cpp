#include "sim/task/operation.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "sim/core/units.hpp"
#include "sim/task/ivfpq_kernels.hpp"
#include "sim/task/layer_bytes.hpp"
#include "sim/task/spmm_padding.hpp"

namespace orrery::task {

std::string_view name_of(DType t) {
  switch (t) {
    case DType::kFp64:
      return "fp64";
    case DType::kFp32:
      return "fp32";
    case DType::kTf32:
      return "tf32";
    case DType::kBf16:
      return "bf16";
    case DType::kFp16:
      return "fp16";
    case DType::kFp8:
      return "fp8";
    case DType::kInt8:
      return "int8";
    case DType::kInt4:
      return "int4";
    case DType::kInt3:
      return "int3";
    case DType::kInt2:
      return "int2";
  }
  return "?";
}

double bytes_per_element(DType t) {
  switch (t) {
    case DType::kFp64:
      return 8;
    case DType::kFp32:
    case DType::kTf32:
      return 4;
    case DType::kBf16:
    case DType::kFp16:
      return 2;
    case DType::kFp8:
    case DType::kInt8:
      return 1;
    case DType::kInt4:
      return 0.5;
    case DType::kInt3:
      return 0.375;  // packed: 8 weights in 3 bytes
    case DType::kInt2:
      return 0.25;
  }
  return 0;
}

std::string_view name_of(LayerKernel k) {
  static constexpr std::array<std::string_view, kLayerKernelCount> kNames{
      "layernorm", "rmsnorm", "gelu_tanh", "swiglu", "add", "cross_entropy", "embedding", "adam"};
  return kNames[static_cast<std::size_t>(k)];
}

std::string_view name_of(PointwiseKind k) {
  switch (k) {
    case PointwiseKind::kElementwise:
      return "elementwise";
    case PointwiseKind::kNorm:
      return "norm";
    case PointwiseKind::kSoftmax:
      return "softmax";
  }
  return "?";
}

std::string_view name_of(GridEncoding e) {
  switch (e) {
    case GridEncoding::kHash:
      return "hash";
    case GridEncoding::kDense:
      return "dense";
    case GridEncoding::kSimplex:
      return "simplex";
  }
  return "?";
}

std::int64_t corners_of(const HashGridEncoding& h) {
  if (h.encoding == GridEncoding::kSimplex) return h.dims + 1;
  return std::int64_t{1} << h.dims;
}

// tiny-cuda-nn's grid encoding: level l spans ⌈base·b^l − 1⌉ + 1 vertices per
// dimension; a hashed level holds at most 2^log2_table of its vertices.
double level_entries(const HashGridEncoding& h, std::int64_t level) {
  const double table = std::ldexp(1.0, static_cast<int>(h.log2_table));
  if (h.base_resolution <= 0) return table;
  const double scale = real(h.base_resolution) * std::pow(h.per_level_scale, real(level)) - 1;
  const double vertices = std::pow(std::ceil(scale) + 1, real(h.dims));
  return h.encoding == GridEncoding::kDense ? vertices : std::min(vertices, table);
}

double per_level_scale(double base, double finest, std::int64_t levels) {
  return levels > 1 ? std::exp(std::log(std::max(1.0, finest / base)) / real(levels - 1)) : 1.0;
}

namespace {

struct NameOf {
  std::string_view operator()(const Gemm&) const { return "gemm"; }
  std::string_view operator()(const Attention&) const { return "attention"; }
  std::string_view operator()(const CachedAttention&) const { return "cached_attention"; }
  std::string_view operator()(const Elementwise& e) const { return name_of(e.kind); }
  std::string_view operator()(const Embedding&) const { return "embedding"; }
  std::string_view operator()(const VocabProjection&) const { return "vocab_projection"; }
  std::string_view operator()(const OptimizerStep&) const { return "optimizer_step"; }
  std::string_view operator()(const HashGridEncoding&) const { return "hashgrid"; }
  std::string_view operator()(const TinyMlp&) const { return "mlp"; }
  std::string_view operator()(const NeuralField&) const { return "neural_field"; }
  std::string_view operator()(const IvfPqSearch&) const { return "ivfpq"; }
  std::string_view operator()(const Spmm&) const { return "spmm"; }
  std::string_view operator()(const Sddmm&) const { return "sddmm"; }
  std::string_view operator()(const QuantGemm&) const { return "quant_gemm"; }
  std::string_view operator()(const LayerOp& l) const { return name_of(l.kernel); }
};

struct WorkOf {
  OperationWork operator()(const Gemm& g) const {
    const double e = bytes_per_element(g.dtype);
    const double flops = 2 * real(g.batch) * real(g.m) * real(g.n) * real(g.k);
    if (g.accumulate) {  // C read and written in its own type
      const double c = 2 * bytes_per_element(*g.accumulate);
      return {flops, real(g.batch) * ((real(g.m) * real(g.k) + real(g.k) * real(g.n)) * e + real(g.m) * real(g.n) * c)};
    }
    return {flops, real(g.batch) * (real(g.m) * real(g.k) + real(g.k) * real(g.n) + real(g.m) * real(g.n)) * e};
  }
  OperationWork operator()(const Attention& a) const {
    const double e = bytes_per_element(a.dtype);
    const double flops =
        4 * real(a.batch) * real(a.heads) * real(a.seq) * real(a.seq) * real(a.head_dim) * (a.causal ? 0.5 : 1.0);
    const double q_o = 2 * real(a.batch) * real(a.heads) * real(a.seq) * real(a.head_dim);
    const double k_v = 2 * real(a.batch) * real(a.kv_heads) * real(a.seq) * real(a.head_dim);
    if (a.backward) return {kAttentionBackwardFlops * flops, kAttentionBackwardBytes * (q_o + k_v) * e};
    return {flops, (q_o + k_v) * e};
  }
  OperationWork operator()(const CachedAttention& a) const {
    const double e = bytes_per_element(a.dtype);
    const double q = real(a.queries);
    const double pairs = q * (real(a.context) - (q - 1) / 2);  // (query, key) pairs under the causal mask
    const double flops = 4 * real(a.batch) * real(a.heads) * real(a.head_dim) * pairs;
    const double elements =
        real(a.batch) * real(a.head_dim) * (2 * real(a.kv_heads) * real(a.context) + 2 * real(a.heads) * q);
    return {flops, elements * e};
  }
  OperationWork operator()(const LayerOp& l) const {
    return {0, layer_min_bytes(name_of(l.kernel), l.backward, bytes_per_element(l.dtype), real(l.tokens),
                               real(l.width))};
  }
  OperationWork operator()(const Elementwise& p) const { return {p.flops_per_byte * real(p.bytes), real(p.bytes)}; }
  OperationWork operator()(const Embedding& m) const {
    // Gather one row per token (read), write it out, and read the int32 token ids.
    const double row = real(m.hidden) * bytes_per_element(m.dtype);
    return {0, real(m.tokens) * (2 * row + 4)};
  }
  OperationWork operator()(const VocabProjection& v) const {
    return (*this)(Gemm{v.tokens, v.vocab, v.hidden, 1, v.dtype});
  }
  OperationWork operator()(const OptimizerStep& o) const {
    return {real(o.parameters) * o.flops_per_parameter,
            real(o.parameters) * (o.bytes_read_per_parameter + o.bytes_written_per_parameter)};
  }
  OperationWork operator()(const HashGridEncoding& h) const {
    const double corners = real(corners_of(h));
    double per_level = corners * real(h.features) * 2  // weighted sum of the corner features
                       + corners * real(h.dims);       // the corner weights
    if (h.encoding == GridEncoding::kSimplex) per_level += real(h.dims * (h.dims - 1) / 2);  // the sort
    const double gathers = real(h.points) * real(h.levels) * corners * real(h.features) * 2;  // fp16 features
    const double io = real(h.points) * (real(h.dims) * 4 + real(h.levels) * real(h.features) * 2);
    return {real(h.points) * real(h.levels) * per_level, gathers + io};
  }
  OperationWork operator()(const TinyMlp& m) const {
    const double macs =
        real(m.inputs) * real(m.width) + real(m.depth - 1) * real(m.width) * real(m.width) + real(m.width) * real(m.outputs);
    return {2 * real(m.points) * macs, real(m.points) * (real(m.inputs) + real(m.outputs)) * 2};
  }
  OperationWork operator()(const NeuralField& f) const {
    OperationWork w = (*this)(f.encoding);
    for (const TinyMlp& m : f.mlps) {
      const OperationWork mw = (*this)(m);
      w.flops += mw.flops;
      w.bytes += mw.bytes;
    }
    return w;
  }
  OperationWork operator()(const IvfPqSearch& s) const {
    OperationWork w;
    for (const Operation& k : ivfpq_gpu_kernels(s).ops) {
      const OperationWork kw = std::visit(*this, k);
      w.flops += kw.flops;
      w.bytes += kw.bytes;
    }
    return w;
  }
  OperationWork operator()(const Spmm& s) const {
    const double e = bytes_per_element(s.dtype);
    if (s.two_four) {
      const double nnz = real(s.rows) * real(s.cols) / 2;
      return {2 * nnz * real(s.n), nnz * e + nnz / 4 + (real(s.cols) + real(s.rows)) * real(s.n) * e};
    }
    const double blocks = nonempty_blocks(s);
    const double padded = padded_from_blocks(s, blocks);
    // Padded values and one int32 column index per block; B once; C once.
    return {2 * padded * real(s.n), padded * e + blocks * 4 + (real(s.cols) + real(s.rows)) * real(s.n) * e};
  }
  OperationWork operator()(const Sddmm& s) const {
    const double e = bytes_per_element(s.dtype);
    const double blocks = nonempty_blocks(s);
    const double padded = padded_from_blocks(s, blocks);
    // Both dense inputs once, the sampled output (padded) and its block indices.
    return {2 * padded * real(s.n), (real(s.rows) + real(s.cols)) * real(s.n) * e + padded * e + blocks * 4};
  }
  OperationWork operator()(const QuantGemm& q) const {
    OperationWork w;
    const double ea = bytes_per_element(q.activations);
    for (DType wt : q.weights) {
      w.flops += 2 * real(q.m) * real(q.n) * real(q.k);
      const double scales = q.group_size > 0 && wt != q.activations ? real(q.n) * real(q.k) / real(q.group_size) * 2 : 0;
      w.bytes +=
          real(q.m) * real(q.k) * ea + real(q.n) * real(q.k) * bytes_per_element(wt) + scales + real(q.m) * real(q.n) * ea;
    }
    return w;
  }
};

}  // namespace

std::string_view name_of(const Operation& op) {
  return std::visit(NameOf{}, op);
}

OperationWork work_of(const Operation& op) {
  return std::visit(WorkOf{}, op);
}

}  // namespace orrery::task
