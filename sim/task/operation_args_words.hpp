// The key=value words of one operation of `orrery cost` (operation_args.cpp
// reads each operation kind with them): typed values with their errors at
// the word that gave them, unknown keys with a suggestion, and a describe
// mode that records the keys for the help text. Internal to operation_args.cpp.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"
#include "sim/core/units.hpp"
#include "sim/task/operation.hpp"

namespace orrery::task::operation_args {

struct KeyHelp {
  std::string key;
  std::string default_value;  // empty: required
  std::string help;
};

// The key=value words of one operation. In describe mode (docs given) it
// records each key asked for instead of reading.
class Args {
 public:
  Args(std::string_view kind, std::span<const std::string> words) : kind_(kind) {
    for (const auto& w : words) {
      const auto eq = w.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ConfigError(fmt::format("{}: '{}' is not key=value (e.g. m=8192)", kind_, w));
      }
      const std::string key = w.substr(0, eq);
      if (given_.count(key))
        throw ConfigError(SourceLocation{w, 0, 0}, kind_, fmt::format("key '{}' given twice", key));
      given_[key] = Given{w.substr(eq + 1), w};
    }
  }
  explicit Args(std::string_view kind, std::vector<KeyHelp>* docs) : kind_(kind), docs_(docs) {}

  std::int64_t integer(const std::string& key, std::string_view help, std::optional<std::int64_t> fallback,
                       std::int64_t min = 1) {
    const Given* g = take(key, help, fallback ? std::to_string(*fallback) : "");
    if (!g) return fallback.value_or(0);
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(g->value.data(), g->value.data() + g->value.size(), v);
    if (ec != std::errc() || ptr != g->value.data() + g->value.size()) {
      fail(*g, key, fmt::format("expected an integer, found '{}'", g->value));
    }
    if (v < min) fail(*g, key, fmt::format("must be at least {}, got {}", min, v));
    return v;
  }

  double number(const std::string& key, std::string_view help, double fallback, double min = 0) {
    const Given* g = take(key, help, fmt::format("{}", fallback));
    if (!g) return fallback;
    double v = 0;
    auto [ptr, ec] = std::from_chars(g->value.data(), g->value.data() + g->value.size(), v);
    if (ec != std::errc() || ptr != g->value.data() + g->value.size() || !std::isfinite(v)) {
      fail(*g, key, fmt::format("expected a number, found '{}'", g->value));
    }
    if (v < min) fail(*g, key, fmt::format("must be at least {}, got {}", min, v));
    return v;
  }

  bool boolean(const std::string& key, std::string_view help, bool fallback) {
    const Given* g = take(key, help, fallback ? "true" : "false");
    if (!g) return fallback;
    if (g->value == "true" || g->value == "1") return true;
    if (g->value == "false" || g->value == "0") return false;
    fail(*g, key, fmt::format("expected true or false, found '{}'", g->value));
  }

  // One of `names`; returns its index.
  std::size_t choice(const std::string& key, std::string_view help, const std::vector<std::string_view>& names,
                     std::size_t fallback) {
    const Given* g = take(key, help, std::string(names[fallback]));
    if (!g) return fallback;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == g->value) return i;
    std::vector<std::string> valid(names.begin(), names.end());
    std::string msg = fmt::format("unknown value '{}'", g->value);
    if (auto near = nearest(g->value, valid)) msg += fmt::format("; did you mean '{}'?", *near);
    fail(*g, key, msg + "; valid: " + join(valid));
  }

  std::int64_t bytes(const std::string& key, std::string_view help) {
    const Given* g = take(key, help, "");
    if (!g) return 0;
    try {
      const Bytes b = parse_bytes(g->value);
      if (b.count() <= 0) fail(*g, key, "must be positive");
      return b.count();
    } catch (const ValueError& e) {
      fail(*g, key, e.what());
    }
  }

  DType dtype(const std::string& key, std::string_view help, DType fallback) {
    const Given* g = take(key, help, std::string(name_of(fallback)));
    if (!g) return fallback;
    return dtype_at(*g, key, g->value);
  }

  // A comma-separated list, e.g. weights=int4,int8,int8.
  std::vector<DType> dtypes(const std::string& key, std::string_view help, std::vector<DType> fallback) {
    std::string shown;
    for (DType t : fallback) {
      if (!shown.empty()) shown += ',';
      shown += name_of(t);
    }
    const Given* g = take(key, help, shown);
    if (!g) return fallback;
    std::vector<DType> out;
    std::string_view rest = g->value;
    while (true) {
      const auto comma = rest.find(',');
      out.push_back(dtype_at(*g, key, rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }

  void finish() const {
    if (docs_) return;
    std::vector<std::string> valid;
    for (const auto& k : asked_) valid.push_back(k);
    for (const auto& [key, g] : given_) {
      if (std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
      std::string msg = fmt::format("unknown key '{}'", key);
      if (auto near = nearest(key, valid)) msg += fmt::format("; did you mean '{}'?", *near);
      throw ConfigError(SourceLocation{g.word, 0, 0}, kind_, msg + "; valid: " + join(valid));
    }
  }

  [[nodiscard]] bool describing() const { return docs_ != nullptr; }

 private:
  struct Given {
    std::string value;
    std::string word;
  };

  const Given* take(const std::string& key, std::string_view help, std::string default_shown) {
    asked_.push_back(key);
    if (docs_) {
      docs_->push_back(KeyHelp{key, std::move(default_shown), std::string(help)});
      return nullptr;
    }
    auto it = given_.find(key);
    if (it == given_.end()) {
      if (default_shown.empty()) {
        throw ConfigError(fmt::format("{}: missing required key '{}' ({}); keys: {}", kind_, key, help,
                                      join(all_keys_hint())));
      }
      return nullptr;
    }
    return &it->second;
  }

  // Every key of this kind, for "missing key" messages: ask a describing twin.
  [[nodiscard]] std::vector<std::string> all_keys_hint() const;

  DType dtype_at(const Given& g, const std::string& key, std::string_view text) const {
    try {
      return parse_dtype(text);
    } catch (const ValueError& e) {
      fail(g, key, e.what());
    }
  }

  [[noreturn]] void fail(const Given& g, const std::string& key, std::string_view message) const {
    throw ConfigError(SourceLocation{g.word, 0, 0}, kind_ + "." + key, std::string(message));
  }

  std::string kind_;
  std::map<std::string, Given> given_;
  std::vector<std::string> asked_;
  std::vector<KeyHelp>* docs_ = nullptr;
};


}  // namespace orrery::task::operation_args
