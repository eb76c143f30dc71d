// `kind: ngpc` — a neural-graphics processing cluster beside a host GPU,
// priced by models/compute/ngpc (its encoding and MLP engines).
#include "models/devices/device.hpp"
#include "models/devices/device_kind.hpp"

namespace orrery::models {

namespace {

class NgpcKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "ngpc"; }
  std::string_view description() const override { return "a neural-graphics processing cluster beside a host GPU (models/compute/ngpc)"; }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"memory_bandwidth", "clock", "nfp_count", "encoding_engines_per_nfp",
                                                   "engine_sram", "engine_lookups_per_cycle", "mlp_array"};
    return kFields;
  }
  void check(config::Reader& r, const Device& d) const override {
    r.check(!d.host_device.empty(), "host_device", "an NGPC needs its host GPU");
  }
};

}  // namespace

const DeviceKindSpec& ngpc_device_kind() {
  static const NgpcKind kind;
  return kind;
}

}  // namespace orrery::models
