// What a cost model says of one operation on one device.
#pragma once

#include <cstdint>
#include <string>
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
  bool sibling = false;  // calibrated from the device's calibration sibling's rows (cost.hpp)
  // A calibrated cost's shape: its log2 distance from the nearest measured row
  // (CalibratedEfficiency's Fit; for a kernel sequence, the farthest part's).
  double distance = 0;
  Flops flops;
  Bytes bytes;
  // A dataflow device (an FPGA pipeline) takes its next operation once this
  // one has entered the pipeline: the time it holds the device's entry, the
  // rest of `time` being the pipeline's depth. Zero: all of `time`.
  Duration issue;
  std::string detail;  // what the model chose, in words (an FPGA's co-designed design); may be empty
};

}  // namespace orrery::models
