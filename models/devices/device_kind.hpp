// What a kind of device is (`kind:` in a device file): which numeric fields
// every file of the kind must give, the checks beyond them, and what the kind
// can do in a run, and the model that prices operations on it. One file per
// kind (device_kind_gpu.cpp, _fpga, _ngpc, _host), one registration line in
// device_kind.cpp's device_kinds().
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/compute/operation_model.hpp"
#include "sim/config/reader.hpp"

namespace orrery::models {

struct Device;
struct CalibrationTable;

class DeviceKindSpec {
 public:
  virtual ~DeviceKindSpec() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  // Device-file keys (models/devices/README.md) every file of this kind gives.
  [[nodiscard]] virtual std::span<const std::string_view> required_fields() const = 0;
  // Checks beyond the required fields, through the reader (located errors).
  virtual void check(config::Reader& /*r*/, const Device& /*d*/) const {}
  // Workloads' operations run on it, priced by its operation_model(): it can
  // be a cluster's `device` for training.
  [[nodiscard]] virtual bool runs_operations() const { return false; }
  // What prices operations on `device` (a device of this kind) with its
  // calibration `table` (may be null); null when the kind prices none (an
  // FPGA design is a dataflow pipeline, a host tier runs no kernels). Throws
  // ValueError when the device lacks what its model needs.
  [[nodiscard]] virtual std::unique_ptr<OperationModel> operation_model(
      std::shared_ptr<const Device> /*device*/, const CalibrationTable* /*table*/) const {
    return nullptr;
  }
  // It has neural-field engines beside a host GPU's SMs (task::DeviceFacts::neural_engines).
  [[nodiscard]] virtual bool neural_engines() const { return false; }
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
