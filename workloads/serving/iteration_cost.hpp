// What one serving iteration costs on one pipeline stage of a replica, and
// what a replica's memory holds. An iteration's work is the operations of
// the model's forward over the batch's new tokens (the layers of the stage,
// the embedding on the first stage, the final norm and the output layer for
// the sequences that sample on the last), the attention of each prefill chunk
// and of the decodes over their KV cache, and tensor parallelism's two
// all-reduces per layer; the device model prices the operations and the
// collective pricer the all-reduces on the stage's routes, as the pricing
// pass prices training. Prices are kept by shape: an iteration of the same
// token count costs the same dense work.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "workloads/serving/price_memo.hpp"
#include "workloads/serving/serving_spec.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload::serving {

// The new tokens of one iteration.
struct BatchShape {
  std::int64_t tokens = 0;          // all new tokens
  std::int64_t samples = 0;         // sequences that produce a token (the output layer's rows)
  std::int64_t decodes = 0;         // sequences with one new token over a cache
  std::int64_t decode_context = 0;  // their tokens in cache after the step, summed
  std::vector<std::pair<std::int64_t, std::int64_t>> chunks;  // prefill chunks: (new tokens, context after)
};

// A replica's memory per device of its most loaded stage, and the KV blocks it leaves.
struct MemoryPlan {
  double weights = 0;      // bytes
  double activations = 0;  // of the largest iteration (max_batched_tokens), and its fp32 logits
  double usable = 0;       // memory_fraction × capacity
  double block_bytes = 0;  // one KV block on one device of the stage
  std::int64_t blocks = 0;
  int stage = 0;           // the stage that bounds the blocks
};

// Layers of each pipeline stage: as even as can be, the remainder to the first stages.
[[nodiscard]] std::vector<std::int64_t> stage_layers(std::int64_t layers, int pp);

// Throws InfeasibleError (with the breakdown) when a stage's weights and
// activations leave no room for one KV block.
[[nodiscard]] MemoryPlan plan_memory(const ServingParams& p, const DeviceFacts& device);

class IterationCost {
 public:
  // `groups[s]`: the devices of stage s (tp of them), the first the lead.
  IterationCost(const ServingParams& p, const RuntimePricing& pricing, std::vector<std::vector<DeviceId>> groups);

  // The stage's time for the batch: priced operations, tensor-parallel
  // all-reduces, and the host's share (stage 0 only).
  [[nodiscard]] Duration stage_time(int stage, const BatchShape& b);

  // For tests and `orrery cost`-style checks: one layer's dense operations
  // over `tokens` new tokens, the attention operations of one layer, and the
  // stage's extra operations (embedding, final norm, output layer).
  // (`type`: an index of the layer kinds, kinds(); layers of one kind cost the same.)
  [[nodiscard]] std::vector<Operation> layer_ops(std::int64_t tokens, std::size_t type = 0) const;
  using LayerKind = workload::LayerKind;
  [[nodiscard]] const std::vector<LayerKind>& kinds() const { return types_; }
  // The kinds' weight types, in kinds() order.
  [[nodiscard]] std::vector<DType> weight_types() const;
  // Layers of the stage of kind `type`.
  [[nodiscard]] std::int64_t layers(int stage, std::size_t type) const {
    return type_layers_[static_cast<std::size_t>(stage)][type];
  }
  [[nodiscard]] std::vector<Operation> attention_ops(const BatchShape& b) const;
  [[nodiscard]] std::vector<Operation> stage_extra_ops(int stage, const BatchShape& b) const;
  [[nodiscard]] std::int64_t layers(int stage) const { return layers_[static_cast<std::size_t>(stage)]; }
  // The share of the operations' time priced so far that no calibration row
  // covered (documented default efficiencies); 0 before any.
  [[nodiscard]] double uncalibrated_fraction() const {
    return operations_ns_ > 0 ? uncalibrated_ns_ / operations_ns_ : 0.0;
  }
  // The share from calibration rows farther than kFarCalibration from the operation's shape.
  [[nodiscard]] double far_fraction() const { return operations_ns_ > 0 ? far_ns_ / operations_ns_ : 0.0; }
  // Bytes of `tokens` tokens' hidden states in the activations' type: what
  // an all-reduce sums and a pipeline stage sends.
  [[nodiscard]] double hidden_bytes(std::int64_t tokens) const;
  // Bytes of one token's keys and values on one device of the stage.
  [[nodiscard]] double kv_bytes_per_token(int stage) const;
  // Kernels the stage launches for the batch (eager mode's host time).
  [[nodiscard]] std::int64_t kernels(int stage, const BatchShape& b) const;
  // The tensor-parallel all-reduce after attention and after the MLP (none for tp = 1).
  [[nodiscard]] Duration all_reduce(int stage, std::int64_t tokens);

 private:
  // Operations' time, and the part of it no calibration row covered.
  struct Priced {
    Duration time;
    Duration uncalibrated;
    Duration far;  // calibrated from rows farther than kFarCalibration
    Priced operator+(const Priced& o) const { return {time + o.time, uncalibrated + o.uncalibrated, far + o.far}; }
  };
  [[nodiscard]] Priced price(const Operation& op) const;
  [[nodiscard]] Priced price(const std::vector<Operation>& ops) const;
  // One layer's dense operations (its all-reduces apart), priced once per
  // token count and split by what bounds them: GEMMs (compute), norms,
  // activations, rotary and cache writes (memory). Run one after another
  // they take compute + memory; NanoFlow overlaps the two.
  struct Parts {
    Priced compute{Duration::ns(-1), {}, {}};
    Priced memory;
  };
  [[nodiscard]] const Parts& layer_parts(std::int64_t tokens, std::size_t type);
  // One layer's attention for the batch, one kernel after another.
  [[nodiscard]] Priced attention(const BatchShape& b);
  // NanoFlow's overlapped layer: max(C, M, N) + (C + M + N − max) / n.
  [[nodiscard]] Duration overlapped_layer(int stage, std::size_t type, const BatchShape& b);

  const ServingParams& p_;
  RuntimePricing pricing_;
  std::vector<std::vector<DeviceId>> groups_;
  std::vector<std::int64_t> layers_;
  // By token count (at most max_batched_tokens): one layer's dense operations,
  // and one all-reduce; -1 ns: not priced yet.
  std::vector<std::vector<Parts>> parts_;  // by layer kind, then token count
  std::vector<LayerKind> types_;            // the layers' distinct kinds
  std::vector<std::vector<std::int64_t>> type_layers_;  // by stage: layers of each kind
  std::vector<Duration> reduce_;
  std::vector<std::int64_t> layer_kernels_;  // by kind: kernels of one layer's dense operations
  PriceMemo<Priced> chunk_;   // (queries, context) -> one layer's chunk attention
  PriceMemo<Priced> decode_;  // (decodes, mean context) -> one layer's decode attention
  PriceMemo<Priced> extra_;   // (stage kind, tokens, samples) -> embedding / head
  double operations_ns_ = 0;     // every stage_time's operations, summed
  double uncalibrated_ns_ = 0;   // what of them no calibration row covered
  double far_ns_ = 0;            // what of them stood on far rows
};

}  // namespace orrery::workload::serving
