// Leave-one-out checks of a calibration table: each measured row is left out
// in turn, the rest of its family priced the row's shape, and the prediction
// compared with the measurement. This is how well the cost model predicts a
// shape nobody measured, family by family, and how that depends on the
// distance from the nearest row that remains (LogGrid::distance), which is
// what the summaries' far_calibration_time_fraction counts against
// task::kFarCalibration.
//
// Families: gemm (per dtype), attention (forward and backward, the rows the
// model prices with: cuDNN's when the table has them), decode_attention,
// layer, hashgrid, mlp, spmm, collective (by op). The memory rows are the fallback for
// operations of no family and are not checked. A row alone in its group (its
// dtype, kernel, ...) has nothing left to predict it and is counted apart.
// Predictions exclude the device's launch overhead, which the cost model adds
// to every operation and the rows do not contain.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/calibration/table.hpp"
#include "models/devices/device.hpp"

namespace orrery::models {

struct LeaveOneOutRow {
  std::string family;
  std::string shape;      // the row's operation, as `orrery cost` names it
  double measured_s = 0;
  double predicted_s = 0;
  double distance = 0;    // log2, from the nearest remaining row of its group
  [[nodiscard]] double error() const { return predicted_s / measured_s - 1; }
};

struct LeaveOneOut {
  std::vector<LeaveOneOutRow> rows;
  // Rows with no other row in their group, by family.
  std::vector<std::pair<std::string, int>> alone;
};

[[nodiscard]] LeaveOneOut leave_one_out(const CalibrationTable& table, const std::shared_ptr<const Device>& device);

// Per family: rows checked, median, 90th percentile and largest |error|, and
// the median |error| of the rows within and beyond task::kFarCalibration.
struct LeaveOneOutSummary {
  std::string family;
  int rows = 0, alone = 0, near_rows = 0, far_rows = 0;
  double median = 0, p90 = 0, max = 0, near_median = 0, far_median = 0;
};
[[nodiscard]] std::vector<LeaveOneOutSummary> summarize(const LeaveOneOut& loo);

}  // namespace orrery::models
