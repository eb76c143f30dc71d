#include "models/devices/device_kind.hpp"

namespace orrery::models {

// The kinds, each defined in its own file.
const DeviceKindSpec& fpga_device_kind();
const DeviceKindSpec& ngpc_device_kind();
const DeviceKindSpec& host_device_kind();
const DeviceKindSpec& cpu_device_kind();

const std::vector<const DeviceKindSpec*>& device_kinds() {
  static const std::vector<const DeviceKindSpec*> kinds{
      &gpu_device_kind(),
      &fpga_device_kind(),
      &ngpc_device_kind(),
      &host_device_kind(),
      &cpu_device_kind(),
  };
  return kinds;
}

const DeviceKindSpec* find_device_kind(std::string_view name) {
  for (const DeviceKindSpec* k : device_kinds()) {
    if (k->name() == name) return k;
  }
  return nullptr;
}

}  // namespace orrery::models
