// How much of a prediction stands on thin calibration, and the warning a run
// gives when that is most of it: the share of priced compute time from
// operations no calibration row covers (default efficiencies) plus the share
// from rows measured farther than task::kFarCalibration from the operation's
// shape. Training warns from its lowered prices, serving after its run.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace orrery::workload {

// Above this share of the priced compute time a run warns.
inline constexpr double kThinCalibration = 0.5;

[[nodiscard]] inline std::optional<std::string> thin_calibration_warning(std::string_view device, double uncalibrated,
                                                                         double far) {
  const double share = uncalibrated + far;
  if (share <= kThinCalibration) return std::nullopt;
  return fmt::format("{:.0f}% of the predicted compute time stands on thin calibration: {:.0f}% from operations "
                     "that no calibration row of {} covers (priced at default efficiencies; "
                     "uncalibrated_time_fraction) and {:.0f}% from rows measured more than a factor of 2 from the "
                     "operation's shape (far_calibration_time_fraction): read the times as an estimate, or add "
                     "calibration rows at these shapes (models/calibration/README.md)",
                     100 * share, 100 * uncalibrated, device, 100 * far);
}

}  // namespace orrery::workload
