// `kind: ngpc` — a neural-graphics processing cluster beside a host GPU,
// priced by models/compute/ngpc (its encoding and MLP engines).
#include <fmt/format.h>

#include "models/compute/cost.hpp"
#include "models/compute/ngpc.hpp"
#include "sim/core/error.hpp"
#include "models/devices/device.hpp"
#include "models/devices/device_kind.hpp"

namespace orrery::models {

namespace {

// Grid encodings on the encoding engines, tiny MLPs on the MLP arrays, a
// neural field fused across both (models/compute/ngpc.hpp); every other
// kernel (ray generation, sampling, compositing) on the host GPU's SMs,
// priced by the host's roofline cost model (uncalibrated: the cluster's
// calibration table is the NGPC's).
class NgpcEngines final : public OperationModel {
 public:
  explicit NgpcEngines(std::shared_ptr<const Device> device) : model_(device) {
    if (device->host) host_ = std::make_unique<CostModel>(device->host, nullptr);
  }
  Cost cost(const task::Operation& op) const override {
    Cost c;
    if (const auto* h = std::get_if<task::HashGridEncoding>(&op)) {
      c.time = model_.encoding_time(*h);
      // Engine lookups while the level tables fit the SRAMs; DRAM once they spill.
      c.bound = model_.fits_sram(*h) ? Bound::kCompute : Bound::kMemory;
    } else if (const auto* m = std::get_if<task::TinyMlp>(&op)) {
      c.time = model_.mlp_time(*m);
    } else if (const auto* f = std::get_if<task::NeuralField>(&op)) {
      c.time = model_.field_time(*f);
      c.bound = model_.fits_sram(f->encoding) ? Bound::kCompute : Bound::kMemory;
    } else if (host_) {
      return host_->cost(op);
    } else {
      throw ValueError(fmt::format("{} is a neural-graphics cluster with no host GPU: it runs hashgrid, mlp and "
                                   "neural_field only, not {}",
                                   model_.device().name, task::name_of(op)));
    }
    const task::OperationWork w = task::work_of(op);
    c.flops = Flops(w.flops);
    c.bytes = Bytes(static_cast<std::int64_t>(w.bytes));
    return c;
  }
  std::string_view method() const override {
    return "ngpc engines (models/compute/ngpc.hpp); other kernels on the host GPU (roofline)";
  }

 private:
  NgpcModel model_;
  std::unique_ptr<CostModel> host_;
};

class NgpcKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "ngpc"; }
  std::string_view description() const override { return "a neural-graphics processing cluster beside a host GPU (models/compute/ngpc)"; }
  bool runs_operations() const override { return true; }
  bool neural_engines() const override { return true; }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"memory_bandwidth", "clock", "nfp_count", "encoding_engines_per_nfp",
                                                   "engine_sram", "engine_lookups_per_cycle", "mlp_array"};
    return kFields;
  }
  void check(config::Reader& r, const Device& d) const override {
    r.check(!d.host_device.empty(), "host_device", "an NGPC needs its host GPU");
  }
  std::unique_ptr<OperationModel> operation_model(std::shared_ptr<const Device> device,
                                                  const CalibrationTable* /*table*/) const override {
    return std::make_unique<NgpcEngines>(std::move(device));
  }
};

}  // namespace

const DeviceKindSpec& ngpc_device_kind() {
  static const NgpcKind kind;
  return kind;
}

}  // namespace orrery::models
