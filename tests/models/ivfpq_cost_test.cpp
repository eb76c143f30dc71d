// IVF-PQ searches priced on GPUs and CPUs (the FPGA's price is
// tests/models/fpga_ivfpq_test.cpp's and device_kind_test.cpp's): a GPU's
// price is the sum of Faiss-GPU's kernels, each priced alone with its launch
// (sim/task/ivfpq_kernels.hpp); a CPU's is the same with the PQ scan bound by
// its table lookups — cores × clock × loads per cycle (the m5.4xlarge: 8 ×
// 3.1 GHz × 2) — or by streaming the codes, whichever is slower.
#include <gtest/gtest.h>

#include <cmath>

#include "models/compute/cost.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"
#include "sim/task/ivfpq_kernels.hpp"

namespace orrery::models {
namespace {

// Deep100M in IVF1024,PQ16 at R@1 = 30% (nprobe 7), FANNS's worst CPU index, batch 10,000.
task::IvfPqSearch deep100m() {
  task::IvfPqSearch s;
  s.batch = 10000;
  s.dim = 96;
  s.vectors = 100'000'000;
  s.nlist = 1024;
  s.nprobe = 7;
  s.m = 16;
  s.k = 1;
  return s;
}

TEST(IvfPqCost, GpuIsTheSumOfFaissKernels) {
  const DeviceCatalog catalog(devices_dir());
  const CostModel v100(catalog.load("V100-SXM2-32GB"), nullptr);
  task::IvfPqSearch s = deep100m();
  s.opq = true;
  const task::IvfPqKernels k = task::ivfpq_gpu_kernels(s);
  ASSERT_EQ(k.ops.size(), 7u);  // OPQ, coarse, select cells, LUT GEMM, LUT build, scan, select k
  Duration sum;
  double bytes = 0;
  for (const task::Operation& op : k.ops) {
    sum = sum + v100.cost(op).time;
    bytes += static_cast<double>(v100.cost(op).bytes.count());
  }
  const Cost c = v100.cost(s);
  EXPECT_EQ(c.time, sum);
  EXPECT_NEAR(static_cast<double>(c.bytes.count()), bytes, 8.0);
  // The scan streams 20 bytes a code (16-byte code, fp32 distance) of
  // 1.1025 × 7 × 10^8 / 1024 codes a query (FANNS's scan ratio with OPQ at
  // nlist 1024): memory bound, the longest kernel.
  const Cost scan = v100.cost(k.ops[k.scan]);
  EXPECT_EQ(scan.bound, Bound::kMemory);
  EXPECT_EQ(c.bound, Bound::kMemory);
  const double codes = 1.102495894347366 * 7 * 1e8 / 1024 * 10000;
  EXPECT_NEAR(static_cast<double>(scan.bytes.count()), std::ceil(codes * 20), 1.0);
}

TEST(IvfPqCost, CpuScanIsBoundByItsLookups) {
  const DeviceCatalog catalog(devices_dir());
  const auto m5 = catalog.load("AWS-m5.4xlarge");
  const auto cpu = m5->kind->operation_model(m5, nullptr);
  const CostModel roofline(m5, nullptr);
  task::IvfPqSearch s = deep100m();
  const task::IvfPqKernels k = task::ivfpq_gpu_kernels(s);
  Duration others;
  for (std::size_t i = 0; i < k.ops.size(); ++i)
    if (i != k.scan) others = others + roofline.cost(k.ops[i]).time;
  const double codes = 1.1023307648983034 * 7 * 1e8 / 1024 * 10000;
  const double lookups = codes * 16 / (8 * 3.1e9 * 2);            // 16 loads a code on 8 cores' 2 load ports
  const double stream = std::ceil(codes * 20) / 42.7e9;            // or the codes and distances at 42.7 GB/s
  const double scan = std::max(lookups, stream);
  EXPECT_EQ(cpu->cost(s).time,
            others + Duration::ns(static_cast<std::int64_t>(std::ceil(scan * 1e9 - 1e-6))));
  // Anything else is the roofline's.
  const task::Gemm g{1024, 1024, 1024, 1, task::DType::kFp32};
  EXPECT_EQ(cpu->cost(g).time, roofline.cost(g).time);
}

}  // namespace
}  // namespace orrery::models
