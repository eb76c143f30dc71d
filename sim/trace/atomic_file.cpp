#include "sim/trace/atomic_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "sim/core/error.hpp"

namespace orrery::trace {

namespace fs = std::filesystem;

void check_output_path(const std::string& path, const std::string& option) {
  const fs::path p(path);
  if (p.filename().empty()) throw ConfigError(fmt::format("{} '{}': not a file name", option, path));
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ConfigError(fmt::format("{} '{}': folder '{}' does not exist", option, path, dir.string()));
  }
  if (fs::is_directory(p, ec)) throw ConfigError(fmt::format("{} '{}': is a folder", option, path));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  tmp_ = fmt::format("{}.tmp-{}-{}", path_, static_cast<long>(::getpid()), counter++);
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFile::commit() {
  std::error_code ec;
  fs::rename(tmp_, path_, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot write '{}': {}", path_, ec.message()));
  committed_ = true;
}

}  // namespace orrery::trace
