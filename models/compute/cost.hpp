// The cost of one operation on one device:
//
//   time = max(FLOPs / (peak × e_compute), bytes / (bandwidth × e_memory)) + launch overhead
//
// With a calibration table that covers the operation's group, one efficiency
// e (interpolated by shape, see calibrated_efficiency.hpp) applies to the
// whole roofline, so the time at a measured shape is the measured time plus
// the launch overhead. Otherwise e_compute and e_memory are the device file's
// documented defaults — except that memory-bound work uses the table's memory
// efficiency when it has one — and the result says `calibrated: false`.
// A device that names a calibration sibling (Device::calibration_sibling: a
// GPU of the same compute die) and has no measured table of its own is priced
// first from the sibling's table (CalibrationTable::sibling): each group's
// efficiencies, fitted against the sibling's roofline, apply to this device's
// roofline, so a compute-bound kernel takes the sibling's measured time and a
// memory-bound one that time × the sibling's bandwidth ÷ this device's (the
// same share of each memory system's peak). A group the sibling lacks falls
// to the device's own table, then to the defaults; `Cost::sibling` marks a
// cost the sibling's rows gave.
// `bound` names the term that sets the time; `launch` when the launch overhead
// is longer than the roofline part. The model is const and pure: cost() may be
// called from anywhere, as often as the executor likes.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "models/calibration/table.hpp"
#include "models/compute/calibrated_efficiency.hpp"
#include "models/compute/operation_model.hpp"
#include "models/compute/roofline.hpp"
#include "models/devices/device.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {

class CostModel final : public OperationModel {
 public:
  // `table` may be null (no calibration: every cost is uncalibrated).
  CostModel(std::shared_ptr<const Device> device, const CalibrationTable* table);

  // Throws ValueError when the device lacks what the operation needs (e.g. a bf16 peak).
  [[nodiscard]] Cost cost(const task::Operation& op) const override;
  [[nodiscard]] std::string_view method() const override { return "roofline (models/compute/cost.hpp)"; }

  [[nodiscard]] const Device& device() const { return *device_; }
  [[nodiscard]] bool has_calibration() const { return has_table_; }

 private:
  // What `find` gives from the sibling's groups (Fit::sibling set), else from the table's.
  template <class Find>
  [[nodiscard]] std::optional<Fit> first_fit(Find find) const;
  [[nodiscard]] std::optional<Fit> calibrated(const task::Operation& op) const;
  // The memory efficiency for a kernel moving `bytes`.
  [[nodiscard]] std::optional<Fit> memory_fit(double bytes) const;

  std::shared_ptr<const Device> device_;
  Rates rates_;
  CalibratedEfficiency calibration_;
  bool has_table_ = false;
  CalibratedEfficiency sibling_;  // the calibration sibling's groups, on this device's rates
  bool has_sibling_ = false;
  double default_compute_ = 1;
  double default_memory_ = 1;
  double launch_time_ = 0;  // seconds
};

}  // namespace orrery::models
