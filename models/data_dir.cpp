#include "models/data_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#ifndef ORRERY_SOURCE_DATA_DIR
#define ORRERY_SOURCE_DATA_DIR "."
#endif

namespace orrery::models {

namespace {

// <folder of the program>/../share/orrery, or "" when it holds no device files.
std::string installed_data_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);  // the file itself, links resolved
  if (ec) return {};
  const fs::path share = (exe.parent_path() / ".." / "share" / "orrery").lexically_normal();
  if (!fs::is_directory(share / "models" / "devices", ec)) return {};
  return share.string();
}

}  // namespace

std::string data_dir() {
  if (const char* env = std::getenv("ORRERY_DATA_DIR"); env != nullptr && *env != '\0') return env;
  if (std::string installed = installed_data_dir(); !installed.empty()) return installed;
  return ORRERY_SOURCE_DATA_DIR;
}

std::string devices_dir() {
  return data_dir() + "/models/devices";
}

std::string calibration_tables_dir() {
  return data_dir() + "/models/calibration/tables";
}

}  // namespace orrery::models
