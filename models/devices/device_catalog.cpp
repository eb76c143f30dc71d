#include "models/devices/device_catalog.hpp"

#include "models/devices/device_kind.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "sim/core/suggest.hpp"

namespace orrery::models {

namespace fs = std::filesystem;

DeviceCatalog::DeviceCatalog(std::string folder)
    : RegistryBase("device", "device"), folder_(std::move(folder)) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder_, ec)) {
    if (entry.path().extension() == ".yaml") names_.push_back(entry.path().stem().string());
  }
  std::sort(names_.begin(), names_.end());
}

std::shared_ptr<const Device> DeviceCatalog::load(const std::string& name_or_path) const {
  if (auto it = loaded_.find(name_or_path); it != loaded_.end()) return it->second;
  std::string path;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml")) {
    path = name_or_path;
  } else if (std::find(names_.begin(), names_.end(), name_or_path) != names_.end()) {
    path = folder_ + "/" + name_or_path + ".yaml";
  } else {
    std::string msg = fmt::format("unknown device '{}'", name_or_path);
    if (auto near = nearest(name_or_path, names_)) msg += fmt::format("; did you mean '{}'?", *near);
    if (names_.empty()) throw ValueError(msg + fmt::format("; no device files in '{}'", folder_));
    throw ValueError(msg + "; valid: " + join(names_));
  }
  auto loaded = std::make_shared<Device>(load_device(path));
  if (!loaded->host_device.empty()) {
    // The GPU a neural-graphics cluster sits beside runs the kernels its engines do not.
    try {
      loaded->host = load(loaded->host_device);
    } catch (const ValueError& e) {
      throw ConfigError(loaded->host_device_at, "host_device", e.what());
    }
    if (loaded->host->kind != &gpu_device_kind()) {
      throw ConfigError(loaded->host_device_at, "host_device",
                        fmt::format("host device {} is not a GPU", loaded->host_device));
    }
  }
  std::shared_ptr<const Device> device = loaded;
  loaded_[name_or_path] = device;
  return device;
}

std::vector<std::pair<std::string, std::string>> DeviceCatalog::list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& name : names_) {
    try {
      out.emplace_back(name, load(name)->description);
    } catch (const ConfigError& e) {
      out.emplace_back(name, fmt::format("(cannot read: {})", e.what()));
    }
  }
  return out;
}

bool DeviceCatalog::describe(const std::string& name, std::vector<config::KeyDoc>& out) const {
  if (std::find(names_.begin(), names_.end(), name) == names_.end()) return false;
  out = device_file_keys();
  return true;
}

}  // namespace orrery::models
