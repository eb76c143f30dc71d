// `orrery cost DEVICE OP key=value... [--calibration FILE | --no-calibration] [--json]`:
// the predicted time of one operation on one device, with the bound, the
// efficiency used, whether a calibration table covered it, FLOPs and bytes.
#pragma once

#include <string>
#include <vector>

namespace orrery::cli {

int cost_command(const std::vector<std::string>& args);

}  // namespace orrery::cli
