#include "workloads/serving/iteration_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"
#include "workloads/serving/shard.hpp"

namespace orrery::workload::serving {

namespace {

LayerKernel norm_kernel(const ServingParams& p) {
  return p.model.norm == training::Norm::kRmsNorm ? LayerKernel::kRmsNorm : LayerKernel::kLayerNorm;
}

}  // namespace

IterationCost::IterationCost(const ServingParams& p, const RuntimePricing& pricing,
                             std::vector<std::vector<DeviceId>> groups)
    : p_(p),
      pricing_(pricing),
      groups_(std::move(groups)),
      layers_(stage_layers(p.model.layers, p.pp)),
      types_(p.weights.kinds(p.model, p.dtype)) {
  parts_.resize(types_.size());
  for (std::size_t k = 0; k < types_.size(); ++k) {
    layer_kernels_.push_back(static_cast<std::int64_t>(layer_ops(1, k).size()));
  }
  std::int64_t layer = 0;
  for (const std::int64_t n : layers_) {
    std::vector<std::int64_t> count(types_.size(), 0);
    for (std::int64_t i = 0; i < n; ++i, ++layer) {
      const LayerKind k = p.weights.kind(p.model, layer, p.dtype);
      ++count[static_cast<std::size_t>(std::find(types_.begin(), types_.end(), k) - types_.begin())];
    }
    type_layers_.push_back(std::move(count));
  }
}

std::vector<DType> IterationCost::weight_types() const {
  std::vector<DType> out;
  for (const LayerKind& k : types_) out.push_back(k.type);
  return out;
}

std::vector<Operation> IterationCost::layer_ops(std::int64_t tokens, std::size_t type) const {
  const auto& m = p_.model;
  const Shard s = shard(p_);
  const DType a = activation_type(p_.dtype);
  // The layer's GEMMs: in dtype, or through its weight type (weight_format.hpp).
  const DType wt = types_[type].type;
  const auto gemm = [&](std::int64_t rows, std::int64_t n, std::int64_t k, std::int64_t batch) -> Operation {
    if (wt == p_.dtype) return Gemm{rows, n, k, batch, p_.dtype};
    return p_.weights.gemm(rows, n, k, batch, wt, a);
  };
  const auto ffn = [&](std::int64_t rows, std::int64_t n, std::int64_t k, std::int64_t batch) -> Operation {
    if (p_.weights.ffn == WeightFormat::FfnSparsity::kDense) return gemm(rows, n, k, batch);
    return p_.weights.ffn_gemm(rows, n, k, batch, wt, a);
  };
  const LayerKernel norm = norm_kernel(p_);
  const LayerKernel act = m.gated() ? LayerKernel::kSwiGlu : LayerKernel::kGeluTanh;
  const std::int64_t up = (m.gated() ? 2 : 1) * s.ffn;
  // Between the QKV projection and attention, serving engines run two more
  // kernels (vLLM's rotary_embedding and reshape_and_cache): the rotary
  // embedding reads and writes q and k (none with learned positions), and the
  // new tokens' k and v are copied into their cache blocks (read and write).
  const double qk = static_cast<double>(tokens * (s.heads + s.kv_heads) * s.head_dim) * eb(a);
  const double kv = static_cast<double>(tokens * 2 * s.kv_heads * s.head_dim) * eb(p_.kv_dtype);
  std::vector<Operation> ops{
      LayerOp{norm, false, a, tokens, m.hidden},
      gemm(tokens, (s.heads + 2 * s.kv_heads) * s.head_dim, m.hidden, 1),
  };
  if (m.positions == training::Positions::kRotary) {
    ops.emplace_back(Elementwise{PointwiseKind::kElementwise, static_cast<std::int64_t>(2 * qk), 0});
  }
  ops.emplace_back(Elementwise{PointwiseKind::kElementwise, static_cast<std::int64_t>(2 * kv), 0});
  ops.emplace_back(gemm(tokens, m.hidden, s.heads * s.head_dim, 1));
  ops.emplace_back(LayerOp{norm, false, a, tokens, m.hidden});
  if (!types_[type].routed) {
    ops.emplace_back(ffn(tokens, up, m.hidden, 1));
    ops.emplace_back(LayerOp{act, false, a, tokens, s.ffn});
    ops.emplace_back(ffn(tokens, m.hidden, s.ffn, 1));
    return ops;
  }
  // Routed experts: the router, then every expert that receives a token runs
  // its MLP on its share of the tokens × top_k routes (spread evenly over the
  // experts they reach). A rank holds experts/ep experts, each split tp/ep
  // ways (ep = 1: every expert split tp ways), and runs the reached ones.
  // Shared experts (DeepSeekMoE) run as one MLP of shared × expert width over
  // every token, split tp ways.
  const std::int64_t routes = tokens * m.top_k;
  const std::int64_t active = std::min(m.experts, routes);
  const std::int64_t rows = ceil_div(routes, active);
  const std::int64_t local = ceil_div(active, p_.ep);
  const std::int64_t expert_ffn = m.expert_ffn() / (p_.tp / p_.ep);
  const std::int64_t expert_up = (m.gated() ? 2 : 1) * expert_ffn;
  ops.emplace_back(Gemm{tokens, m.experts, m.hidden, 1, p_.dtype});
  ops.emplace_back(ffn(rows, expert_up, m.hidden, local));
  ops.emplace_back(LayerOp{act, false, a, rows * local, expert_ffn});
  ops.emplace_back(ffn(rows, m.hidden, expert_ffn, local));
  if (m.shared_experts > 0) {
    const std::int64_t shared = m.shared_experts * m.expert_ffn() / p_.tp;
    ops.emplace_back(ffn(tokens, (m.gated() ? 2 : 1) * shared, m.hidden, 1));
    ops.emplace_back(LayerOp{act, false, a, tokens, shared});
    ops.emplace_back(ffn(tokens, m.hidden, shared, 1));
  }
  return ops;
}

std::vector<Operation> IterationCost::attention_ops(const BatchShape& b) const {
  const Shard s = shard(p_);
  std::vector<Operation> ops;
  for (const auto& [q, c] : b.chunks) {
    if (q == c) {
      ops.emplace_back(Attention{1, s.heads, s.kv_heads, q, s.head_dim, true, activation_type(p_.kv_dtype), false});
    } else {
      ops.emplace_back(CachedAttention{1, s.heads, s.kv_heads, s.head_dim, q, c, p_.kv_dtype});
    }
  }
  if (b.decodes > 0) {
    ops.emplace_back(CachedAttention{b.decodes, s.heads, s.kv_heads, s.head_dim, 1,
                                     ceil_div(b.decode_context, b.decodes), p_.kv_dtype});
  }
  return ops;
}

std::vector<Operation> IterationCost::stage_extra_ops(int stage, const BatchShape& b) const {
  const auto& m = p_.model;
  const DType a = activation_type(p_.dtype);
  std::vector<Operation> ops;
  if (stage == 0) ops.emplace_back(Embedding{b.tokens, m.hidden, m.vocab, a});
  if (stage == p_.pp - 1 && b.samples > 0) {
    ops.emplace_back(LayerOp{norm_kernel(p_), false, a, b.samples, m.hidden});
    ops.emplace_back(VocabProjection{b.samples, m.hidden, ceil_div(m.vocab, p_.tp), p_.dtype});
  }
  return ops;
}

std::int64_t IterationCost::kernels(int stage, const BatchShape& b) const {
  const std::int64_t per_layer = (b.chunks.empty() ? 0 : 1) + (b.decodes > 0 ? 1 : 0) + (p_.tp > 1 ? 2 : 0);
  std::int64_t dense = 0;  // the layers' dense operations, by kind
  for (std::size_t k = 0; k < types_.size(); ++k) dense += layer_kernels_[k] * layers(stage, k);
  // stage_extra_ops: the embedding on the first stage, the final norm and the output layer on the last.
  const std::int64_t extra = (stage == 0 ? 1 : 0) + (stage == p_.pp - 1 && b.samples > 0 ? 2 : 0);
  return per_layer * layers(stage) + dense + extra;
}

double IterationCost::hidden_bytes(std::int64_t tokens) const {
  return static_cast<double>(tokens * p_.model.hidden) * eb(activation_type(p_.dtype));
}

double IterationCost::kv_bytes_per_token(int stage) const {
  const Shard s = shard(p_);
  return 2.0 * static_cast<double>(s.kv_heads * s.head_dim * layers(stage)) * eb(p_.kv_dtype);
}

IterationCost::Priced IterationCost::price(const Operation& op) const {
  const DeviceModel::OperationCost c = pricing_.device->cost(op);
  return {c.time, c.calibrated ? Duration{} : c.time,
          c.calibrated && c.distance > task::kFarCalibration ? c.time : Duration{}};
}

IterationCost::Priced IterationCost::price(const std::vector<Operation>& ops) const {
  Priced p;
  for (const Operation& op : ops) p = p + price(op);
  return p;
}

Duration IterationCost::all_reduce(int stage, std::int64_t tokens) {
  if (p_.tp == 1 || tokens == 0) return {};
  const auto i = static_cast<std::size_t>(tokens);
  if (reduce_.size() <= i) reduce_.resize(i + 1, Duration::ns(-1));
  if (reduce_[i] >= Duration{}) return reduce_[i];
  CollectiveWork c;
  c.op = CollectiveOp::kAllReduce;
  c.group = groups_[static_cast<std::size_t>(stage)];
  c.bytes = Bytes(static_cast<std::int64_t>(hidden_bytes(tokens)));
  // Every stage's group has the same shape inside its node(s): one price per token count.
  reduce_[i] = pricing_.collectives->price(c).time;
  return reduce_[i];
}

const IterationCost::Parts& IterationCost::layer_parts(std::int64_t tokens, std::size_t type) {
  const auto i = static_cast<std::size_t>(tokens);
  std::vector<Parts>& memo = parts_[type];
  if (memo.size() <= i) memo.resize(i + 1);
  Parts& p = memo[i];
  if (p.compute.time >= Duration{}) return p;
  p.compute = Priced{};
  for (const Operation& op : layer_ops(tokens, type)) {
    const bool matmul = std::holds_alternative<Gemm>(op) || std::holds_alternative<task::QuantGemm>(op) ||
                        std::holds_alternative<task::Spmm>(op);
    Priced& part = matmul ? p.compute : p.memory;
    part = part + price(op);
  }
  return p;
}

// NanoFlow's operation-level pipeline, as a bound: the layer's GEMMs (C),
// memory-bound kernels (M) and all-reduces (N) of n nano-batches overlap on
// partitioned resources, so the layer takes the busiest resource's total
// plus one nano-batch's share of the others (the pipeline's fill and drain).
// Splitting prices the GEMMs and all-reduces at T/n tokens n times (smaller
// GEMMs run at their own, lower, calibrated efficiency); attention and the
// pointwise kernels keep their total. Resources are taken as perfectly
// partitioned: the interference between concurrent kernels that NanoFlow
// measures and searches around is not modelled, so this is an upper bound on
// what overlap buys.
Duration IterationCost::overlapped_layer(int stage, std::size_t type, const BatchShape& b) {
  const std::int64_t n = std::min<std::int64_t>(p_.scheduler.nano_batches, std::max<std::int64_t>(1, b.tokens));
  const std::int64_t part = ceil_div(b.tokens, n);
  Duration compute = Duration::ns(layer_parts(part, type).compute.time.count() * n);
  Duration memory = layer_parts(b.tokens, type).memory.time;
  const Duration network = Duration::ns(all_reduce(stage, part).count() * 2 * n);
  for (const auto& [q, c] : b.chunks) {
    BatchShape one;
    one.chunks.emplace_back(q, c);
    const Duration t = price(attention_ops(one)).time;
    if (q == c || q >= task::kCachedAttentionComputeQueries) {
      compute = compute + t;
    } else {
      memory = memory + t;
    }
  }
  if (b.decodes > 0) {
    BatchShape d;
    d.decodes = b.decodes;
    d.decode_context = b.decode_context;
    memory = memory + price(attention_ops(d)).time;
  }
  const Duration busiest = std::max({compute, memory, network});
  return busiest + Duration::ns((compute + memory + network - busiest).count() / n);
}

IterationCost::Priced IterationCost::attention(const BatchShape& b) {
  Priced t;
  for (const auto& [q, c] : b.chunks) {
    const std::int64_t key = (q << 32) | c;  // both below 2^24
    const Priced* found = chunk_.find(key);
    if (!found) {
      BatchShape one;
      one.chunks.emplace_back(q, c);
      found = &chunk_.insert(key, price(attention_ops(one)));
    }
    t = t + *found;
  }
  if (b.decodes > 0) {
    const std::int64_t mean = ceil_div(b.decode_context, b.decodes);
    const std::int64_t key = (b.decodes << 32) | mean;
    const Priced* found = decode_.find(key);
    if (!found) {
      BatchShape d;
      d.decodes = b.decodes;
      d.decode_context = b.decode_context;
      found = &decode_.insert(key, price(attention_ops(d)));
    }
    t = t + *found;
  }
  return t;
}

Duration IterationCost::stage_time(int stage, const BatchShape& b) {
  const bool nano = p_.scheduler.nano_batches > 1;
  const Priced attend = attention(b);
  const Duration reduce = all_reduce(stage, b.tokens);
  // Layers of one weight type cost the same; the operations' time and what
  // of it no calibration row covers, as they run one after another (overlap
  // or not), for uncalibrated_time_fraction.
  Duration gpu;
  Priced ops;
  for (std::size_t type = 0; type < types_.size(); ++type) {
    const std::int64_t layers = this->layers(stage, type);
    if (layers == 0) continue;
    const Parts& parts = layer_parts(b.tokens, type);
    const Priced dense = parts.compute + parts.memory;
    const Duration per_layer = nano ? overlapped_layer(stage, type, b) : dense.time + reduce + reduce + attend.time;
    gpu += Duration::ns(per_layer.count() * layers);
    ops = ops + Priced{Duration::ns((dense.time + attend.time).count() * layers),
                       Duration::ns((dense.uncalibrated + attend.uncalibrated).count() * layers),
                       Duration::ns((dense.far + attend.far).count() * layers)};
  }
  const bool first = stage == 0;
  const bool last = stage == p_.pp - 1;
  if (first || last) {
    const std::int64_t key = (static_cast<std::int64_t>(first) << 62) | (static_cast<std::int64_t>(last) << 61) |
                             ((first ? b.tokens : 0) << 28) | (last ? b.samples : 0);
    const Priced* found = extra_.find(key);
    if (!found) {
      Priced t = price(stage_extra_ops(stage, b));
      if (last && p_.tp > 1 && b.samples > 0) {
        // The output layer's logits gathered from the vocabulary shards (vLLM gathers them to sample).
        CollectiveWork c;
        c.op = CollectiveOp::kAllGather;
        c.group = groups_[static_cast<std::size_t>(stage)];
        c.bytes = Bytes(static_cast<std::int64_t>(static_cast<double>(b.samples) *
                                                  static_cast<double>(ceil_div(p_.model.vocab, p_.tp) * p_.tp) *
                                                  eb(activation_type(p_.dtype))));
        t.time = t.time + pricing_.collectives->price(c).time;
      }
      found = &extra_.insert(key, t);
    }
    gpu = gpu + found->time;
    ops = ops + *found;
  }
  operations_ns_ += static_cast<double>(ops.time.count());
  uncalibrated_ns_ += static_cast<double>(ops.uncalibrated.count());
  far_ns_ += static_cast<double>(ops.far.count());
  Duration host;
  if (p_.host.mode == HostSpec::Mode::kEager) {
    host = Duration::ns(p_.host.per_kernel.count() * kernels(stage, b));
  }
  Duration t = std::max(gpu, host);
  if (first) t = t + p_.host.per_iteration;
  return t;
}

}  // namespace orrery::workload::serving
