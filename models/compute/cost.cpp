#include "models/compute/cost.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "models/compute/kernel_sequence.hpp"
#include "sim/task/ivfpq_kernels.hpp"
#include "sim/task/spmm_padding.hpp"

namespace orrery::models {

std::string_view name_of(Bound b) {
  switch (b) {
    case Bound::kCompute:
      return "compute";
    case Bound::kMemory:
      return "memory";
    case Bound::kLaunch:
      return "launch";
  }
  return "?";
}

namespace {

// The calibrated efficiency of each kind of operation (none for the rest).
struct Lookup {
  const CalibratedEfficiency& c;
  std::optional<Fit> operator()(const task::Gemm& g) const { return c.gemm(g); }
  std::optional<Fit> operator()(const task::VocabProjection& v) const {
    return c.gemm(task::Gemm{v.tokens, v.vocab, v.hidden, 1, v.dtype});
  }
  // A backward without backward rows takes the forward rows' efficiency
  // against its own roofline: 2.5 times the forward's time when compute-bound.
  std::optional<Fit> operator()(const task::Attention& a) const {
    if (!a.backward) return c.attention(a);
    if (const auto e = c.attention_backward(a)) return e;
    return c.attention(a);
  }
  // Attention over a KV cache: a decode step (one query) by the table's
  // decode_attention rows of its heads (orrery-calibrate's paged decode
  // kernel); without them, or for a short chunk, as a memory-bound stream of
  // K and V at the measured read efficiency for its bytes; a long chunk
  // (>= kCachedAttentionComputeQueries queries) is compute-bound like the
  // fused forward, whose rows it takes at its context length.
  std::optional<Fit> operator()(const task::CachedAttention& a) const {
    if (a.queries >= task::kCachedAttentionComputeQueries) {
      return c.attention(task::Attention{a.batch, a.heads, a.kv_heads, a.context, a.head_dim, true, a.dtype, false});
    }
    if (const auto e = c.decode_attention(a)) return e;
    return c.memory(task::work_of(task::Operation(a)).bytes);
  }
  std::optional<Fit> operator()(const task::LayerOp& l) const {
    return c.layer(LayerShape{l.kernel, l.backward ? KernelPass::kBackward : KernelPass::kForward, l.dtype,
                              l.tokens, l.width});
  }
  std::optional<Fit> operator()(const task::HashGridEncoding& h) const { return c.hashgrid(h); }
  std::optional<Fit> operator()(const task::TinyMlp& m) const { return c.mlp(m); }
  // The spmm rows measure cuSPARSE's CSR SpMM, a 1 × 1 block: neither 2:4 on the sparse tensor
  // cores nor a tensor-core block kernel (FlashSparse's 8 × 1, Magicube's; spmm_padding.hpp).
  std::optional<Fit> operator()(const task::Spmm& s) const {
    const task::BlockShape b = task::block_of(s);
    return s.two_four || b.rows != 1 || b.cols != 1 ? std::nullopt : c.spmm(s);
  }
  std::optional<Fit> operator()(const task::QuantGemm& q) const {
    // Same-type weights and activations run as a plain GEMM of that type.
    const bool uniform =
        std::all_of(q.weights.begin(), q.weights.end(), [&](auto t) { return t == q.activations; });
    if (!uniform) return std::nullopt;
    return c.gemm(task::Gemm{q.m, q.n, q.k, 1, q.activations});
  }
  template <class T>
  std::optional<Fit> operator()(const T&) const {
    return std::nullopt;
  }
};

}  // namespace

CostModel::CostModel(std::shared_ptr<const Device> device, const CalibrationTable* table)
    : device_(std::move(device)), rates_(*device_) {
  if (table) {
    calibration_ = CalibratedEfficiency(*table, rates_);
    has_table_ = true;
    if (table->sibling && device_->sibling) {
      sibling_ = CalibratedEfficiency(*table->sibling, Rates(*device_->sibling));
      sibling_.retarget(rates_);
      has_sibling_ = true;
    }
  }
  // Devices without documented defaults (FPGAs, NGPCs) are priced at their peaks.
  if (device_->default_compute_efficiency.present)
    default_compute_ = device_->default_compute_efficiency.value;
  if (device_->default_memory_efficiency.present) default_memory_ = device_->default_memory_efficiency.value;
  if (device_->launch_overhead.present) launch_time_ = device_->launch_overhead.value.seconds();
}

// The sibling's groups first (marked), then the table's.
template <class Find>
std::optional<Fit> CostModel::first_fit(Find find) const {
  if (has_sibling_) {
    if (auto fit = find(sibling_)) {
      fit->sibling = true;
      return fit;
    }
  }
  return has_table_ ? find(calibration_) : std::nullopt;
}

std::optional<Fit> CostModel::calibrated(const task::Operation& op) const {
  return first_fit([&](const CalibratedEfficiency& c) { return std::visit(Lookup{c}, op); });
}

std::optional<Fit> CostModel::memory_fit(double bytes) const {
  return first_fit([&](const CalibratedEfficiency& c) { return c.memory(bytes); });
}

Cost CostModel::cost(const task::Operation& op) const {
  // An IVF-PQ search is Faiss-GPU's kernels, each priced (and launched) on its own.
  if (const auto* s = std::get_if<task::IvfPqSearch>(&op)) {
    return kernel_sequence_cost(task::ivfpq_gpu_kernels(*s).ops,
                                [this](std::size_t, const task::Operation& k) { return cost(k); });
  }
  // A neural field is its kernels (the encoding, then each MLP), launched one after another.
  if (const auto* f = std::get_if<task::NeuralField>(&op)) {
    std::vector<task::Operation> kernels{f->encoding};
    kernels.insert(kernels.end(), f->mlps.begin(), f->mlps.end());
    return kernel_sequence_cost(kernels, [this](std::size_t, const task::Operation& k) { return cost(k); });
  }
  // A GEMM that adds into C of another type, where the table has no rows
  // measured that way: the plain GEMM's time (its rows write C once, in the
  // input type), then the difference in C's traffic at the memory
  // efficiency. Not overlapped: every tile of a wave finishes its main loop
  // at about the same time and runs its epilogue (load C, store D) then, so
  // the wave's epilogues share the memory while the tensor cores wait.
  if (const auto* g = std::get_if<task::Gemm>(&op); g && g->accumulate && !calibrated(op)) {
    task::Gemm plain = *g;
    plain.accumulate.reset();
    Cost c = cost(plain);
    const double bytes = task::work_of(op).bytes;
    const double extra = bytes - task::work_of(plain).bytes;
    const auto memory_table = memory_fit(extra);
    const double e_memory = memory_table ? memory_table->efficiency : default_memory_;
    const double epilogue = std::max(0.0, extra) / rates_.bandwidth / e_memory;
    c.time = c.time + Duration::ceil_ns(epilogue * 1e9 - 1e-6);
    c.bytes = Bytes(static_cast<std::int64_t>(std::llround(bytes)));
    return c;
  }
  const Roofline rf = roofline(op, rates_);
  Cost c;
  c.flops = Flops(rf.flops);
  c.bytes = Bytes(static_cast<std::int64_t>(std::llround(rf.bytes)));
  double seconds = 0;
  if (const auto e = calibrated(op)) {
    const bool compute = e->compute_reference || rf.compute_time >= rf.memory_time;
    seconds = (e->compute_reference ? rf.compute_time : std::max(rf.compute_time, rf.memory_time)) / e->efficiency;
    c.bound = compute ? Bound::kCompute : Bound::kMemory;
    c.efficiency = e->efficiency;
    c.calibrated = true;
    c.sibling = e->sibling;
    c.distance = e->distance;
  } else {
    const auto memory_table = memory_fit(rf.bytes);
    const double e_memory = memory_table ? memory_table->efficiency : default_memory_;
    const double compute = rf.compute_time / default_compute_;
    const double memory = rf.memory_time / e_memory;
    if (compute >= memory) {
      seconds = compute;
      c.bound = Bound::kCompute;
      c.efficiency = default_compute_;
    } else {
      seconds = memory;
      c.bound = Bound::kMemory;
      c.efficiency = e_memory;
      c.calibrated = memory_table.has_value();
      c.sibling = memory_table && memory_table->sibling;
      c.distance = memory_table ? memory_table->distance : 0.0;
    }
  }
  if (launch_time_ > seconds) c.bound = Bound::kLaunch;
  // Whole nanoseconds, rounded up (no operation is free); the 1e-6 ns slack
  // keeps a measured time from gaining a nanosecond of floating-point noise.
  c.time = Duration::ceil_ns((seconds + launch_time_) * 1e9 - 1e-6);
  return c;
}

}  // namespace orrery::models
