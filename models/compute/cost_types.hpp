// What a cost model says of one operation on one device.
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::models {

enum class Bound : std::uint8_t { kCompute, kMemory, kLaunch };
[[nodiscard]] std::string_view name_of(Bound b);

struct Cost {
  Duration time;
  Bound bound = Bound::kCompute;
  double efficiency = 0;  // of the term that sets the time
  bool calibrated = false;
  Flops flops;
  Bytes bytes;
};

}  // namespace orrery::models
