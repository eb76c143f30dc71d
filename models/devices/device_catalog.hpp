// The registry family `device`: the data files in a folder (models/devices/
// by default), one device per file, named by the file. Files are read when
// first asked for, so a broken file breaks only the runs that use it.
// `orrery list devices` lists them; `cluster.device` and `orrery cost` name
// one, or give the path of a device file anywhere.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/devices/device.hpp"
#include "sim/config/registry.hpp"

namespace orrery::models {

class DeviceCatalog final : public config::RegistryBase {
 public:
  explicit DeviceCatalog(std::string folder);

  [[nodiscard]] const std::string& folder() const { return folder_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }

  // A device by name, or by the path of its file (a name with '/' or ending in
  // .yaml). Throws ConfigError for an unknown name (listing the valid ones) or
  // a bad file (at its location).
  [[nodiscard]] std::shared_ptr<const Device> load(const std::string& name_or_path) const;

  [[nodiscard]] std::vector<std::pair<std::string, std::string>> list() const override;
  // Documents the keys of a device file (the same for every device).
  bool describe(const std::string& name, std::vector<config::KeyDoc>& out) const override;

 private:
  [[nodiscard]] std::shared_ptr<const Device> load_named(const std::string& name, const SourceLocation& at,
                                                         const std::string& key) const;
  void resolve_sibling(Device& d) const;  // d.sibling, checked (ConfigError at calibration_sibling)

  std::string folder_;
  std::vector<std::string> names_;
  mutable std::map<std::string, std::shared_ptr<const Device>> loaded_;
  mutable std::vector<std::string> resolving_;  // devices whose sibling is being loaded
};

}  // namespace orrery::models
