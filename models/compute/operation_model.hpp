// What prices one operation on one device: the roofline cost model for GPUs
// (cost.hpp), the engine model for NGPCs (ngpc.hpp). A device kind
// (models/devices/device_kind.hpp) makes the one its devices use, so a new
// kind with its own cost model is its kind file and that model.
#pragma once

#include <string_view>

#include "models/compute/cost_types.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {

class OperationModel {
 public:
  virtual ~OperationModel() = default;
  // Throws ValueError when the device cannot run `op` (no peak for its type,
  // an operation the kind has no engine for).
  [[nodiscard]] virtual Cost cost(const task::Operation& op) const = 0;
  // How it prices, for `orrery cost`: "roofline", "ngpc engines".
  [[nodiscard]] virtual std::string_view method() const = 0;
};

}  // namespace orrery::models
