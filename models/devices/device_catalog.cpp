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

// A device another names at `at` (its key `key`): an unknown name is an error there.
std::shared_ptr<const Device> DeviceCatalog::load_named(const std::string& name, const SourceLocation& at,
                                                        const std::string& key) const {
  try {
    return load(name);
  } catch (const ValueError& e) {
    throw ConfigError(at, key, e.what());
  }
}

// The sibling must be another GPU of the same compute: the same peaks (vector
// and tensor) and SM count wherever both files give them (its kernels' times stand for
// this device's compute), and no sibling of its own (one step, no chains).
void DeviceCatalog::resolve_sibling(Device& d) const {
  const SourceLocation& at = d.calibration_sibling_at;
  if (d.kind != &gpu_device_kind())
    throw ConfigError(at, "calibration_sibling.device", "only a GPU takes a calibration sibling");
  if (d.calibration_sibling == d.name)
    throw ConfigError(at, "calibration_sibling.device", "names the device itself");
  // A cycle (A names B, B names A) would load forever: the devices being
  // resolved are on a stack, and meeting one again names the cycle.
  if (std::find(resolving_.begin(), resolving_.end(), d.calibration_sibling) != resolving_.end()) {
    throw ConfigError(at, "calibration_sibling.device",
                      fmt::format("calibration siblings form a cycle: {} -> {} -> {}",
                                  join(resolving_, " -> "), d.name, d.calibration_sibling));
  }
  resolving_.push_back(d.name);
  struct Pop {
    std::vector<std::string>& stack;
    ~Pop() { stack.pop_back(); }
  } pop{resolving_};
  d.sibling = load_named(d.calibration_sibling, at, "calibration_sibling.device");
  const Device& s = *d.sibling;
  const auto fail = [&](const std::string& why) {
    throw ConfigError(at, "calibration_sibling.device",
                      fmt::format("{} cannot stand for {}: {}", s.name, d.name, why));
  };
  if (s.kind != &gpu_device_kind()) fail("it is not a GPU");
  if (!s.calibration_sibling.empty())
    fail(fmt::format("it takes its own calibration from {}", s.calibration_sibling));
  using task::DType;
  for (const DType t :
       {DType::kFp64, DType::kFp32, DType::kTf32, DType::kBf16, DType::kFp16, DType::kFp8, DType::kInt8}) {
    const auto& mine = d.peak(t);
    const auto& theirs = s.peak(t);
    if (mine.present && theirs.present && mine.value.per_s() != theirs.value.per_s()) {
      fail(fmt::format("its {} peak is {:g} TFLOP/s, this device's {:g}", task::name_of(t),
                       theirs.value.per_s() / 1e12, mine.value.per_s() / 1e12));
    }
  }
  if (d.compute_units.present && s.compute_units.present && d.compute_units.value != s.compute_units.value) {
    fail(
        fmt::format("it has {} compute units, this device {}", s.compute_units.value, d.compute_units.value));
  }
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
    loaded->host = load_named(loaded->host_device, loaded->host_device_at, "host_device");
    if (loaded->host->kind != &gpu_device_kind()) {
      throw ConfigError(loaded->host_device_at, "host_device",
                        fmt::format("host device {} is not a GPU", loaded->host_device));
    }
  }
  if (!loaded->calibration_sibling.empty()) resolve_sibling(*loaded);
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
