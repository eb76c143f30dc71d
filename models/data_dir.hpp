// Where the data files live: the device files (models/devices/) and the
// calibration tables (models/calibration/tables/). The folder that holds
// `models/` is, first found:
//   1. $ORRERY_DATA_DIR, when set and not empty;
//   2. <folder of the running program>/../share/orrery, when it holds
//      models/devices: an installed tree (`cmake --install`, the Debian
//      package), wherever its prefix was put or moved;
//   3. the source tree the program was built from (CMake passes it as the
//      ORRERY_SOURCE_DATA_DIR compile definition), so that a build tree runs
//      without installing.
#pragma once

#include <string>

namespace orrery::models {

[[nodiscard]] std::string data_dir();
[[nodiscard]] std::string devices_dir();
[[nodiscard]] std::string calibration_tables_dir();

}  // namespace orrery::models
