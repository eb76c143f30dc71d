// `kind: host` — a server's CPU memory, PCIe and NVMe: the tier that optimizer
// states and parameters are offloaded to (`cluster.host`).
#include "models/devices/device_kind.hpp"

namespace orrery::models {

namespace {

class HostKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "host"; }
  std::string_view description() const override { return "a host tier: CPU memory, PCIe, NVMe (offload)"; }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"pcie_bandwidth", "host_memory_capacity", "host_memory_bandwidth",
                                                   "nvme_capacity"};
    return kFields;
  }
  bool host_tier() const override { return true; }
};

}  // namespace

const DeviceKindSpec& host_device_kind() {
  static const HostKind kind;
  return kind;
}

}  // namespace orrery::models
