#include "models/data_dir.hpp"

#include <cstdlib>

#ifndef ORRERY_DATA_DIR
#define ORRERY_DATA_DIR "."
#endif

namespace orrery::models {

std::string data_dir() {
  if (const char* env = std::getenv("ORRERY_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return ORRERY_DATA_DIR;
}

std::string devices_dir() {
  return data_dir() + "/models/devices";
}

std::string calibration_tables_dir() {
  return data_dir() + "/models/calibration/tables";
}

}  // namespace orrery::models
