#include "models/compute/roofline.hpp"

#include <cmath>

namespace orrery::models {

using workload::DType;

namespace {

constexpr double kDequantTileRows = 128;

double rate(const Rates& r, DType t) {
  const double v = r.peak[static_cast<std::size_t>(t)];
  if (v <= 0) (void)r.device->peak_or_throw(t);  // throws, naming the types the device has
  return v;
}

double d(std::int64_t v) {
  return static_cast<double>(v);
}

struct Visit {
  const Rates& r;

  Roofline finish(double compute_time, workload::OperationWork w) const {
    return {compute_time, w.bytes / r.bandwidth, w.flops, w.bytes};
  }
  Roofline tensor(const workload::Operation& op, DType t) const {
    const workload::OperationWork w = workload::work_of(op);
    return finish(w.flops / rate(r, t), w);
  }
  Roofline vector(const workload::Operation& op) const {
    const workload::OperationWork w = workload::work_of(op);
    return finish(w.flops > 0 ? w.flops / rate(r, DType::kFp32) : 0, w);
  }

  Roofline operator()(const workload::Gemm& g) const { return tensor(g, g.dtype); }
  Roofline operator()(const workload::VocabProjection& v) const { return tensor(v, v.dtype); }
  Roofline operator()(const workload::Attention& a) const { return tensor(a, a.dtype); }
  Roofline operator()(const workload::Spmm& s) const { return tensor(s, s.dtype); }
  Roofline operator()(const workload::Sddmm& s) const { return tensor(s, s.dtype); }
  Roofline operator()(const workload::TinyMlp& m) const { return tensor(m, DType::kFp16); }
  Roofline operator()(const workload::Elementwise& e) const { return vector(e); }
  Roofline operator()(const workload::OptimizerStep& o) const { return vector(o); }
  Roofline operator()(const workload::HashGridEncoding& h) const { return vector(h); }
  Roofline operator()(const workload::Embedding& e) const { return vector(e); }
  Roofline operator()(const workload::QuantGemm& q) const {
    const workload::OperationWork w = workload::work_of(q);
    double compute_time = 0;
    const double mma = 2 * d(q.m) * d(q.n) * d(q.k);
    for (DType wt : q.weights) {
      if (wt == q.activations) {
        compute_time += mma / rate(r, wt);
      } else {
        const double dequant = 2 * d(q.n) * d(q.k) * std::ceil(d(q.m) / kDequantTileRows);
        compute_time += mma / rate(r, q.activations) + dequant / rate(r, DType::kFp32);
      }
    }
    return finish(compute_time, w);
  }
};

struct DtypeOf {
  DType operator()(const workload::Gemm& g) const { return g.dtype; }
  DType operator()(const workload::VocabProjection& v) const { return v.dtype; }
  DType operator()(const workload::Attention& a) const { return a.dtype; }
  DType operator()(const workload::Spmm& s) const { return s.dtype; }
  DType operator()(const workload::Sddmm& s) const { return s.dtype; }
  DType operator()(const workload::TinyMlp&) const { return DType::kFp16; }
  DType operator()(const workload::QuantGemm& q) const { return q.activations; }
  template <class T>
  DType operator()(const T&) const {
    return DType::kFp32;
  }
};

}  // namespace

Rates::Rates(const Device& dev) : device(&dev) {
  for (int i = 0; i < workload::kDTypeCount; ++i) {
    const auto& p = dev.peak(static_cast<DType>(i));
    peak[static_cast<std::size_t>(i)] = p.present ? p.value.per_s() : 0;
  }
  bandwidth = dev.memory_bandwidth.present ? dev.memory_bandwidth.value.bytes_per_s() : 0;
}

Roofline roofline(const workload::Operation& op, const Rates& rates) {
  if (rates.bandwidth <= 0) throw ValueError("device " + rates.device->name + " has no memory_bandwidth");
  return std::visit(Visit{rates}, op);
}

DType compute_dtype(const workload::Operation& op) {
  return std::visit(DtypeOf{}, op);
}

}  // namespace orrery::models
