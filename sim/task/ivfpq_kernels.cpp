#include "sim/task/ivfpq_kernels.hpp"

#include <algorithm>
#include <cmath>

namespace orrery::task {

IvfPqKernels ivfpq_gpu_kernels(const IvfPqSearch& s) {
  const auto real = [](std::int64_t v) { return static_cast<double>(v); };
  const double b = real(s.batch);
  const double codes = b * ivfpq_codes_per_query(s);
  IvfPqKernels k;
  std::vector<Operation>& out = k.ops;
  if (s.opq) out.push_back(Gemm{s.batch, s.dim, s.dim, 1, DType::kFp32});
  out.push_back(Gemm{s.batch, s.nlist, s.dim, 1, DType::kFp32});
  const auto bytes = [](double v) { return static_cast<std::int64_t>(std::ceil(v)); };
  // k-select: one comparison per input element.
  out.push_back(Elementwise{PointwiseKind::kElementwise, bytes(b * real(s.nlist) * 4 + b * real(s.nprobe) * 8), 0.25});
  out.push_back(Gemm{s.batch, kPqCentroids, std::max<std::int64_t>(1, s.dim / s.m), s.m, DType::kFp32});
  out.push_back(Elementwise{PointwiseKind::kElementwise, bytes(b * real(s.nprobe * s.m * kPqCentroids) * 8), 0.125});
  // m lookups and adds per code over its m bytes and 4-byte distance.
  const double scan_bytes = codes * (real(s.m) + 4);
  k.scan = out.size();
  out.push_back(Elementwise{PointwiseKind::kElementwise, bytes(scan_bytes), real(s.m) / (real(s.m) + 4)});
  out.push_back(Elementwise{PointwiseKind::kElementwise, bytes(codes * 4 + b * real(s.k) * 8), 0.25});
  return k;
}

}  // namespace orrery::task
