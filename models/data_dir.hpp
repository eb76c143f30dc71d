// Where the data files live: the device files (models/devices/) and the
// calibration tables (models/calibration/tables/). The folder that holds
// `models/` is $ORRERY_DATA_DIR when set, else the source tree the program was
// built from (CMake passes it as the ORRERY_DATA_DIR compile definition).
#pragma once

#include <string>

namespace orrery::models {

[[nodiscard]] std::string data_dir();
[[nodiscard]] std::string devices_dir();
[[nodiscard]] std::string calibration_tables_dir();

}  // namespace orrery::models
