// `kind: cpu` — a host CPU, the baseline of FANNS's comparison (Faiss on
// CPUs). Dense operations are priced by the roofline (models/compute/cost.hpp:
// the fp32 vector peak and the memory bandwidth, at the file's documented
// default efficiencies). An IVF-PQ search runs Faiss-CPU's steps — the same
// as the GPU's kernels (sim/task/ivfpq_kernels.hpp), with all cores on the
// batch — except the scan of the PQ codes, which on a CPU is bound by its
// table lookups, not its bytes: m loads per code, at compute_units × clock ×
// engine_lookups_per_cycle (the cores' load ports), or the codes streamed from
// memory if that takes longer. An UPPER BOUND on a CPU's speed: Faiss's scan
// also keeps a heap per query and stalls on cache misses, none of it modelled.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "models/compute/cost.hpp"
#include "models/compute/kernel_sequence.hpp"
#include "models/devices/device.hpp"
#include "models/devices/device_kind.hpp"
#include "sim/core/error.hpp"
#include "sim/task/ivfpq_kernels.hpp"

namespace orrery::models {

namespace {

class CpuModel final : public OperationModel {
 public:
  CpuModel(std::shared_ptr<const Device> device, const CalibrationTable* table)
      : roofline_(device, table), device_(std::move(device)) {
    lookups_per_s_ = static_cast<double>(device_->compute_units.value) * device_->clock.value.hz() *
                     static_cast<double>(device_->engine_lookups_per_cycle.value);
  }
  Cost cost(const task::Operation& op) const override {
    const auto* s = std::get_if<task::IvfPqSearch>(&op);
    if (!s) return roofline_.cost(op);
    const task::IvfPqKernels k = task::ivfpq_gpu_kernels(*s);
    return kernel_sequence_cost(k.ops, [&](std::size_t i, const task::Operation& kernel) {
      if (i != k.scan) return roofline_.cost(kernel);
      const task::OperationWork w = task::work_of(kernel);
      const double lookups =
          static_cast<double>(s->batch) * task::ivfpq_codes_per_query(*s) * static_cast<double>(s->m);
      const double compute = lookups / lookups_per_s_;
      const double memory = w.bytes / device_->memory_bandwidth.value.bytes_per_s();
      Cost part;
      part.time = Duration::ceil_ns(std::max(compute, memory) * 1e9 - 1e-6);
      part.bound = memory > compute ? Bound::kMemory : Bound::kCompute;
      part.efficiency = 1;
      part.flops = Flops(w.flops);
      part.bytes = Bytes(static_cast<std::int64_t>(w.bytes));
      return part;
    });
  }
  std::string_view method() const override {
    return "roofline; IVF-PQ scan bound by table lookups (models/devices/device_kind_cpu.cpp)";
  }

 private:
  CostModel roofline_;
  std::shared_ptr<const Device> device_;
  double lookups_per_s_ = 0;
};

class CpuKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "cpu"; }
  std::string_view description() const override {
    return "a host CPU: dense operations on the roofline, IVF-PQ scans bound by table lookups (Faiss-CPU)";
  }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"memory_capacity", "memory_bandwidth", "peak_fp32", "compute_units",
                                                   "clock", "engine_lookups_per_cycle", "default_compute_efficiency",
                                                   "default_memory_efficiency"};
    return kFields;
  }
  bool runs_operations() const override { return true; }
  std::unique_ptr<OperationModel> operation_model(std::shared_ptr<const Device> device,
                                                  const CalibrationTable* table) const override {
    return std::make_unique<CpuModel>(std::move(device), table);
  }
};

}  // namespace

const DeviceKindSpec& cpu_device_kind() {
  static const CpuKind kind;
  return kind;
}

}  // namespace orrery::models
