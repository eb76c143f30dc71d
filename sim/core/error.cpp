#include "sim/core/error.hpp"

#include <fmt/format.h>

namespace orrery {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string compose(const SourceLocation& where, const std::string& key_path, const std::string& message) {
  std::string out = where.str();
  out += out.empty() ? "error: " : ": error: ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}
}  // namespace

ConfigError::ConfigError(SourceLocation where, std::string key_path, std::string message)
    : std::runtime_error(compose(where, key_path, message)),
      where_(std::move(where)),
      key_path_(std::move(key_path)),
      message_(std::move(message)) {}

ConfigError::ConfigError(std::string message)
    : std::runtime_error("error: " + message), message_(std::move(message)) {}

}  // namespace orrery
