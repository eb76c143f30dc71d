#include "models/compute/roofline.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/core/units.hpp"
#include "sim/task/ivfpq_kernels.hpp"

namespace orrery::models {

using task::DType;

namespace {

constexpr double kDequantTileRows = 128;

double rate(const Rates& r, DType t) {
  const double v = r.peak[static_cast<std::size_t>(t)];
  if (v <= 0) (void)r.device->peak_or_throw(t);  // throws, naming the types the device has
  return v;
}


struct Visit {
  const Rates& r;

  Roofline finish(double compute_time, task::OperationWork w) const {
    return {compute_time, w.bytes / r.bandwidth, w.flops, w.bytes};
  }
  Roofline tensor(const task::Operation& op, DType t) const {
    const task::OperationWork w = task::work_of(op);
    return finish(w.flops / rate(r, t), w);
  }
  Roofline vector(const task::Operation& op) const {
    const task::OperationWork w = task::work_of(op);
    return finish(w.flops > 0 ? w.flops / rate(r, DType::kFp32) : 0, w);
  }

  Roofline operator()(const task::Gemm& g) const { return tensor(g, g.dtype); }
  Roofline operator()(const task::VocabProjection& v) const { return tensor(v, v.dtype); }
  Roofline operator()(const task::Attention& a) const { return tensor(a, a.dtype); }
  Roofline operator()(const task::CachedAttention& a) const { return tensor(a, a.dtype); }
  Roofline operator()(const task::Spmm& s) const { return tensor(s, s.dtype); }
  Roofline operator()(const task::Sddmm& s) const { return tensor(s, s.dtype); }
  Roofline operator()(const task::TinyMlp& m) const { return tensor(m, DType::kFp16); }
  Roofline operator()(const task::Elementwise& e) const { return vector(e); }
  Roofline operator()(const task::LayerOp& l) const { return vector(l); }
  Roofline operator()(const task::OptimizerStep& o) const { return vector(o); }
  // Level tables the L2 holds serve their gathers on chip: with per-level
  // sizes (base_resolution > 0), the smallest levels fill the L2 first — a
  // point reads every level equally often, so the small tables are the ones
  // whose lines stay resident — and only the other levels' gathers reach DRAM.
  Roofline operator()(const task::HashGridEncoding& h) const {
    Roofline out = vector(h);
    if (h.base_resolution <= 0 || r.on_chip <= 0) return out;
    std::vector<double> level_bytes;
    for (std::int64_t l = 0; l < h.levels; ++l)
      level_bytes.push_back(task::level_entries(h, l) * real(h.features) * 2);
    std::sort(level_bytes.begin(), level_bytes.end());
    double held = 0;
    std::int64_t resident = 0;
    for (double b : level_bytes) {
      if (held + b > r.on_chip) break;
      held += b;
      ++resident;
    }
    const double gathers_per_level = real(h.points) * real(task::corners_of(h)) * real(h.features) * 2;
    out.bytes -= gathers_per_level * real(resident);
    out.memory_time = out.bytes / r.bandwidth;
    return out;
  }
  // Separate kernels, one after another (tiny-cuda-nn): the parts' times add.
  Roofline operator()(const task::NeuralField& f) const {
    Roofline out = (*this)(f.encoding);
    for (const task::TinyMlp& m : f.mlps) {
      const Roofline p = (*this)(m);
      out.compute_time += p.compute_time;
      out.memory_time += p.memory_time;
      out.flops += p.flops;
      out.bytes += p.bytes;
    }
    return out;
  }
  // Faiss-GPU's kernels (sim/task/ivfpq_kernels.hpp), one after another: their times add.
  Roofline operator()(const task::IvfPqSearch& s) const {
    Roofline out;
    for (const task::Operation& k : task::ivfpq_gpu_kernels(s).ops) {
      const Roofline p = std::visit(*this, k);
      out.compute_time += p.compute_time;
      out.memory_time += p.memory_time;
      out.flops += p.flops;
      out.bytes += p.bytes;
    }
    return out;
  }
  Roofline operator()(const task::Embedding& e) const { return vector(e); }
  Roofline operator()(const task::QuantGemm& q) const {
    const task::OperationWork w = task::work_of(q);
    double compute_time = 0;
    const double mma = 2 * real(q.m) * real(q.n) * real(q.k);
    for (DType wt : q.weights) {
      if (wt == q.activations) {
        compute_time += mma / rate(r, wt);
      } else {
        const double dequant = 2 * real(q.n) * real(q.k) * std::ceil(real(q.m) / kDequantTileRows);
        compute_time += mma / rate(r, q.activations) + dequant / rate(r, DType::kFp32);
      }
    }
    return finish(compute_time, w);
  }
};

struct DtypeOf {
  DType operator()(const task::Gemm& g) const { return g.dtype; }
  DType operator()(const task::VocabProjection& v) const { return v.dtype; }
  DType operator()(const task::Attention& a) const { return a.dtype; }
  DType operator()(const task::CachedAttention& a) const { return a.dtype; }
  DType operator()(const task::Spmm& s) const { return s.dtype; }
  DType operator()(const task::Sddmm& s) const { return s.dtype; }
  DType operator()(const task::TinyMlp&) const { return DType::kFp16; }
  DType operator()(const task::QuantGemm& q) const { return q.activations; }
  DType operator()(const task::LayerOp& l) const { return l.dtype; }
  template <class T>
  DType operator()(const T&) const {
    return DType::kFp32;
  }
};

}  // namespace

Rates::Rates(const Device& dev) : device(&dev) {
  for (int i = 0; i < task::kDTypeCount; ++i) {
    const auto& p = dev.peak(static_cast<DType>(i));
    peak[static_cast<std::size_t>(i)] = p.present ? p.value.per_s() : 0;
  }
  bandwidth = dev.memory_bandwidth.present ? dev.memory_bandwidth.value.bytes_per_s() : 0;
  on_chip = dev.on_chip_memory.present ? real(dev.on_chip_memory.value.count()) : 0;
  l1 = dev.l1_memory.present ? real(dev.l1_memory.value.count()) : 0;
}

Roofline roofline(const task::Operation& op, const Rates& rates) {
  if (rates.bandwidth <= 0) throw ValueError("device " + rates.device->name + " has no memory_bandwidth");
  return std::visit(Visit{rates}, op);
}

DType compute_dtype(const task::Operation& op) {
  return std::visit(DtypeOf{}, op);
}

}  // namespace orrery::models
