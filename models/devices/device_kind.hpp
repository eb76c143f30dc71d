// What a kind of device is (`kind:` in a device file): which numeric fields
// every file of the kind must give, the checks beyond them, and what the kind
// can do in a run. One file per kind (device_kind_gpu.cpp, _fpga, _ngpc,
// _host), one registration line in device_kind.cpp's device_kinds().
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/reader.hpp"

namespace orrery::models {

struct Device;

class DeviceKindSpec {
 public:
  virtual ~DeviceKindSpec() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  // Device-file keys (models/devices/README.md) every file of this kind gives.
  [[nodiscard]] virtual std::span<const std::string_view> required_fields() const = 0;
  // Checks beyond the required fields, through the reader (located errors).
  virtual void check(config::Reader& /*r*/, const Device& /*d*/) const {}
  // Workloads' operations run on it, priced by the roofline cost model
  // (models/compute/cost.hpp): it can be a cluster's `device` for training.
  [[nodiscard]] virtual bool runs_operations() const { return false; }
  // It can be a cluster's host tier (`cluster.host`: offload targets).
  [[nodiscard]] virtual bool host_tier() const { return false; }
};

// Every registered kind, in registration order.
[[nodiscard]] const std::vector<const DeviceKindSpec*>& device_kinds();
// The kind called `name`, or null.
[[nodiscard]] const DeviceKindSpec* find_device_kind(std::string_view name);
// The kind of a default-constructed Device.
[[nodiscard]] const DeviceKindSpec& gpu_device_kind();

}  // namespace orrery::models
