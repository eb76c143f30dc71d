// `kind: gpu` — runs workloads' operations, priced by the roofline cost model
// with calibrated efficiencies where a table covers them.
#include "models/compute/cost.hpp"
#include "models/devices/device.hpp"
#include "models/devices/device_kind.hpp"

namespace orrery::models {

namespace {

class GpuKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "gpu"; }
  std::string_view description() const override { return "a GPU: runs workloads' operations (roofline + calibration)"; }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"memory_capacity", "memory_bandwidth", "launch_overhead",
                                                   "default_compute_efficiency", "default_memory_efficiency"};
    return kFields;
  }
  void check(config::Reader& r, const Device& d) const override {
    bool any = false;
    for (int t = 0; t < task::kDTypeCount; ++t) any = any || d.peak(static_cast<task::DType>(t)).present;
    r.check(any, "", "a GPU needs at least one peak rate (peak_fp32, peak_bf16, ...)");
  }
  bool runs_operations() const override { return true; }
  std::unique_ptr<OperationModel> operation_model(std::shared_ptr<const Device> device,
                                                  const CalibrationTable* table) const override {
    return std::make_unique<CostModel>(std::move(device), table);
  }
};

}  // namespace

const DeviceKindSpec& gpu_device_kind() {
  static const GpuKind kind;
  return kind;
}

}  // namespace orrery::models
