// Cost-model speed: one million mixed operation-cost queries (GEMMs covered by
// the shipped H100 calibration table, uncovered GEMM dtypes, attention,
// pointwise kernels, embeddings, optimizer steps, hash-grid encodings, tiny
// MLPs, SpMM and quantized GEMMs) with random shapes, drawn once outside the
// timed loop. items_per_second is queries per second; the target is under
// 100 ns per query (DESIGN.md: performance claims live in benchmarks).
//   build/release/tests/bench/orrery_bench_cost
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "models/calibration/table.hpp"
#include "models/compute/cost.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"

namespace orrery::models {
namespace {

using task::DType;

constexpr std::size_t kQueries = 1'000'000;

std::vector<task::Operation> mixed_operations() {
  std::mt19937_64 rng(20261122);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_int_distribution<int> log_dim(6, 14);  // 64 … 16384
  auto dim = [&] { return std::int64_t{1} << log_dim(rng); };
  std::vector<task::Operation> ops;
  ops.reserve(kQueries);
  while (ops.size() < kQueries) {
    switch (kind(rng)) {
      case 0:
      case 1:
        ops.emplace_back(task::Gemm{dim(), dim(), dim(), 1, DType::kBf16});
        break;
      case 2:
        ops.emplace_back(task::Gemm{dim(), dim(), dim(), 1, DType::kFp16});
        break;
      case 3:
        ops.emplace_back(task::Attention{1, 32, 8, dim(), 128, (ops.size() & 1) != 0, DType::kBf16});
        break;
      case 4:
        ops.emplace_back(task::Elementwise{task::PointwiseKind::kNorm, dim() * dim(), 1.0});
        break;
      case 5:
        ops.emplace_back(task::Embedding{dim(), 4096, 51200, DType::kBf16});
        break;
      case 6:
        ops.emplace_back(task::OptimizerStep{dim() * dim()});
        break;
      case 7: {
        task::HashGridEncoding h;
        h.points = dim() * 64;
        ops.emplace_back(h);
        break;
      }
      case 8: {
        task::Spmm s;
        s.rows = dim();
        s.cols = dim();
        s.nnz = s.rows * s.cols / 100 + 1;
        s.n = 256;
        ops.emplace_back(s);
        break;
      }
      default: {
        task::QuantGemm q;
        q.m = dim();
        q.n = dim();
        q.k = dim();
        q.weights = {DType::kInt4};
        ops.emplace_back(q);
        break;
      }
    }
  }
  return ops;
}

void BM_CostMixedQueries(benchmark::State& state) {
  const DeviceCatalog catalog(devices_dir());
  const auto table = find_calibration_table(calibration_tables_dir(), "H100-SXM5-80GB");
  const CostModel model(catalog.load("H100-SXM5-80GB"), table ? &*table : nullptr);
  const std::vector<task::Operation> ops = mixed_operations();
  std::int64_t total_ns = 0;
  for (auto _ : state) {
    for (const auto& op : ops) total_ns += model.cost(op).time.count();
    benchmark::DoNotOptimize(total_ns);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops.size()));
  state.counters["ns_per_query"] =
      benchmark::Counter(static_cast<double>(state.iterations() * ops.size()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_CostMixedQueries)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orrery::models
