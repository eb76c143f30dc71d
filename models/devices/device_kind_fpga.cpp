// `kind: fpga` — an FPGA card: dataflow designs are priced by
// models/compute/fpga_dataflow against its HBM channels and fabric.
#include "models/devices/device_kind.hpp"

namespace orrery::models {

namespace {

class FpgaKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "fpga"; }
  std::string_view description() const override { return "an FPGA card: dataflow pipelines (models/compute/fpga_dataflow)"; }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"memory_capacity", "memory_bandwidth", "hbm_channels",
                                                   "hbm_channel_bandwidth"};
    return kFields;
  }
};

}  // namespace

const DeviceKindSpec& fpga_device_kind() {
  static const FpgaKind kind;
  return kind;
}

}  // namespace orrery::models
