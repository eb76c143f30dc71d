// The summary of a run: named values in the order they were set, as the JSON
// summary, the human table and the HDF5 /summary group show them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace orrery {

class Summary {
 public:
  using Value = std::variant<double, std::int64_t, std::string, std::vector<double>>;

  void set(const std::string& key, Value v) {
    for (auto& [k, old] : entries_) {
      if (k == key) {
        old = std::move(v);
        return;
      }
    }
    entries_.emplace_back(key, std::move(v));
  }
  [[nodiscard]] const Value* find(const std::string& key) const {
    for (const auto& [k, v] : entries_)
      if (k == key) return &v;
    return nullptr;
  }
  // The value of `key` when it is a number (float or integer); none otherwise.
  [[nodiscard]] std::optional<double> number(const std::string& key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (const auto* d = std::get_if<double>(v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
    return std::nullopt;
  }
  [[nodiscard]] const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

}  // namespace orrery
