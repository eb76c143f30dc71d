// The strict scenario reader every `Params::read` uses. It knows where each
// value came from (file:line:column, or the --set that gave it), parses values
// with units, rejects unknown keys with a suggestion, records the resolved
// scenario (defaults filled in) as it reads, and, in describe mode, records
// each key's type, default and help instead of reading, so that the
// documentation comes from the same code that parses.
//
//   TorusParams TorusParams::read(config::Reader& r) {
//     TorusParams p;
//     p.dims = r.required<std::vector<int>>("dims", "extent of each dimension");
//     p.link_latency = r.optional("link_latency", Duration::ns(500), "per-hop latency");
//     r.check(p.dims.size() >= 1, "dims", "needs at least one dimension");
//     return p;
//   }
#pragma once

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/document.hpp"
#include "sim/config/value.hpp"
#include "sim/core/error.hpp"

namespace orrery::config {

// One documented key, as describe mode records it.
struct KeyDoc {
  std::string key;
  std::string type;
  bool required = false;
  std::string default_value;  // as the resolved scenario would print it
  std::string help;
  std::vector<KeyDoc> children;  // for sections
};

// The sizes a scenario may ask for, read first from its `limits` section and
// seen by every reader below the root: a cap that protects the machine's
// memory is raised in the scenario (or with `--max-tasks`), deliberately.
struct Limits {
  // Tasks in one lowered graph: training F/B/W passes, traffic transfers,
  // a Chakra collective's transfers. About 150 bytes each with their times and dependencies, so
  // the default, 2·10^7, is a few GB.
  double tasks = 2e7;
  // Events one run may take, estimated before it starts (sim/exec/executor.hpp:
  // two per task and per collective transfer run on its own). The engine runs
  // 1.5 M (flow network, large components) to 20 M (hold model) events a second
  // on the 2-core machine of docs/ARCHITECTURE.md, so 10^9 is minutes to about
  // ten minutes: beyond it a scenario is more likely a mistake than a study.
  double events = 1e9;
};

class Reader {
 public:
  // Reads `node` (a mapping at dotted `path` of `doc`), recording resolved values into `resolved`.
  Reader(const Document& doc, YAML::Node node, std::string path, YAML::Node resolved);
  // A reader that reads nothing and documents every key asked of it into `docs`.
  explicit Reader(std::vector<KeyDoc>* docs);

  template <class T>
  T required(std::string_view key, std::string_view help);
  template <class T>
  T optional(std::string_view key, const T& fallback, std::string_view help);
  template <class T>
  std::optional<T> maybe(std::string_view key, std::string_view help);
  // A string that must be one of `valid` (listed in the message otherwise).
  std::string choice(std::string_view key, std::span<const std::string> valid, std::optional<std::string> fallback,
                     std::string_view help);

  // Reads the mapping at `key` with `body`, then rejects its unknown keys. An
  // absent optional section is read as empty, so its defaults are recorded.
  void section(std::string_view key, std::string_view help, bool required,
               const std::function<void(Reader&)>& body);
  // Reads the list of mappings at `key`, each with `body` (given its index),
  // then rejects each mapping's unknown keys. Item i's keys have the path
  // `key[i].name`. An absent optional list reads as empty. In describe mode,
  // `body` documents one item's keys.
  void list(std::string_view key, std::string_view help, bool required,
            const std::function<void(Reader&, std::size_t)>& body);

  // The scenario's limits (the defaults until the root reader is given them).
  [[nodiscard]] const Limits& limits() const;
  // Gives this reader, and every reader made from it afterwards, `limits`
  // (which must outlive them).
  void set_limits(const Limits* limits) { limits_ = limits; }

  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] bool describing() const { return docs_ != nullptr; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // The scenario file being read ("" in describe mode), for paths relative to it.
  [[nodiscard]] std::string file() const;
  // A path as the scenario gives it (a trace, a CSV, a topology file):
  // relative to the scenario file's folder unless absolute.
  [[nodiscard]] std::string beside_file(const std::string& path) const;
  [[nodiscard]] std::string key_path(std::string_view key) const;
  // The position of `key`'s value, or of this mapping when the key is absent.
  [[nodiscard]] SourceLocation where(std::string_view key) const;

  // Throws a ConfigError at `key` unless `ok` (no-op in describe mode).
  void check(bool ok, std::string_view key, std::string_view message) const;
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;

  // Rejects keys that nothing asked for, suggesting the nearest known one.
  void finish() const;

  // Documents a key read by code outside this reader (e.g. a registry's selector).
  void note(std::string_view key, std::string type, bool required, std::string default_value, std::string_view help);

 private:
  [[nodiscard]] YAML::Node find(std::string_view key) const;
  template <class T>
  T parse_at(std::string_view key, const YAML::Node& n) const;

  const Document* doc_ = nullptr;
  YAML::Node node_;
  std::string path_;
  YAML::Node out_;
  std::vector<std::string> known_;
  std::vector<KeyDoc>* docs_ = nullptr;
  const Limits* limits_ = nullptr;
};

// ---- templates ----

template <class T>
std::vector<T> Value<std::vector<T>>::parse(const YAML::Node& n) {
  if (!n.IsSequence()) {
    throw ValueError(fmt::format("expected a list of {}, found {}", Value<T>::type(), detail::describe_node(n)));
  }
  std::vector<T> out;
  out.reserve(n.size());
  for (std::size_t i = 0; i < n.size(); ++i) {
    try {
      out.push_back(Value<T>::parse(n[i]));
    } catch (const ValueError& e) {
      throw ValueError(fmt::format("element {}: {}", i, e.what()));
    }
  }
  return out;
}

template <class T>
T Reader::parse_at(std::string_view key, const YAML::Node& n) const {
  try {
    return Value<T>::parse(n);
  } catch (const ValueError& e) {
    throw ConfigError(doc_->location(n, key_path(key)), key_path(key), e.what());
  }
}

template <class T>
T Reader::required(std::string_view key, std::string_view help) {
  known_.emplace_back(key);
  if (describing()) {
    note(key, Value<T>::type(), true, "", help);
    return T{};
  }
  const YAML::Node n = find(key);
  if (!n) fail(key, fmt::format("missing required key '{}' ({})", key, help));
  T v = parse_at<T>(key, n);
  out_[std::string(key)] = Value<T>::emit(v);
  return v;
}

template <class T>
T Reader::optional(std::string_view key, const T& fallback, std::string_view help) {
  known_.emplace_back(key);
  if (describing()) {
    note(key, Value<T>::type(), false, YAML::Dump(Value<T>::emit(fallback)), help);
    return fallback;
  }
  const YAML::Node n = find(key);
  T v = n ? parse_at<T>(key, n) : fallback;
  out_[std::string(key)] = Value<T>::emit(v);
  return v;
}

template <class T>
std::optional<T> Reader::maybe(std::string_view key, std::string_view help) {
  known_.emplace_back(key);
  if (describing()) {
    note(key, Value<T>::type(), false, "(none)", help);
    return std::nullopt;
  }
  const YAML::Node n = find(key);
  if (!n) return std::nullopt;
  T v = parse_at<T>(key, n);
  out_[std::string(key)] = Value<T>::emit(v);
  return v;
}

}  // namespace orrery::config
