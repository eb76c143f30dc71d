// A scenario's YAML text, parsed, with its file name and the paths that
// `--set` overrode. Loading rejects what YAML itself lets through but a
// scenario must not contain: duplicate keys, and non-string keys.
#pragma once

#include <cstdint>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/core/error.hpp"

namespace orrery::config {

// The largest scenario file read (a scenario is a short text).
inline constexpr std::uintmax_t kMaxScenarioBytes = std::uintmax_t{16} << 20;

class Document {
 public:
  // Throws ConfigError for a missing or unreadable file, text that is not
  // YAML, a top level that is not a mapping, or a duplicate key.
  static Document load_file(const std::string& path);
  static Document parse(const std::string& text, const std::string& file_name);

  [[nodiscard]] YAML::Node root() const { return root_; }
  [[nodiscard]] const std::string& file() const { return file_; }

  // Where `node` (found at dotted `path`) came from: its file position, or
  // the --set argument that put it there.
  [[nodiscard]] SourceLocation location(const YAML::Node& node, const std::string& path) const;

  // Replaces the value at `path` (dotted, list entries as `.2` or `[2]`)
  // with `value`, parsed as a YAML scalar ("8" is a number, "1f1b" a string)
  // or, when it starts with '[' or '{', as a YAML flow list or map; a list
  // entry may be replaced whole by a flow map. Creates the missing maps on
  // the way. The caller checks that the path names a valid key.
  void set(const std::string& path, const std::string& value);

 private:
  YAML::Node root_;
  std::string file_;
  std::map<std::string, std::string> overrides_;  // path -> "--set path=value"

 public:
  // The keys each section read so far knows (path -> keys), for suggestions
  // that cross sections: `tp` under workload.training is workload.parallel.tp.
  void record_known(const std::string& path, const std::vector<std::string>& keys) const { known_[path] = keys; }
  // The full path of a section read so far that knows `key`, other than `path`
  // itself: the closest by shared prefix; "" when none.
  [[nodiscard]] std::string section_knowing(const std::string& key, const std::string& path) const;
  // The keys of sections not read yet (path -> keys), asked by
  // section_knowing only when no section read so far knows the key: the
  // scenario reader describes them (`parallel` is read before `training`, so
  // `global_batch` under parallel needs them).
  using Sections = std::map<std::string, std::vector<std::string>>;
  void set_later_sections(std::function<Sections()> f) { later_ = std::move(f); }

 private:
  [[nodiscard]] static std::string closest(const Sections& sections, const std::string& key, const std::string& path);
  mutable Sections known_;
  std::function<Sections()> later_;
};

// Splits "a.b[2].c" (or "a.b.2.c") into its parts a, b, 2, c; throws
// ConfigError naming "--set PATH=VALUE" at a malformed bracket.
[[nodiscard]] std::vector<std::string> split_path(const std::string& path, const std::string& value);

}  // namespace orrery::config
