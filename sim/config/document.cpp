#include "sim/config/document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "sim/core/text_file.hpp"

namespace orrery::config {

namespace {

SourceLocation at(const std::string& file, const YAML::Mark& m) {
  if (m.is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, m.line + 1, m.column + 1};
}

// Bounds on the tree that YAML aliases can make of a short text: an alias may
// repeat a node many times over (an "alias bomb" of nine lines expands to tens
// of millions of values), or refer to a mapping that contains it (a loop that
// any walk would follow for ever). No shipped scenario comes near either.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxValues = 1'000'000;

// Walks the tree once before anything reads it: rejects duplicate keys, keys
// that are not plain names, aliases that loop, nesting deeper than kMaxDepth
// and more than kMaxValues values after alias expansion.
class KeyCheck {
 public:
  explicit KeyCheck(const std::string& file) : file_(file) {}

  // yaml-cpp keeps every pair of a mapping, duplicates included; a scenario with
  // the same key twice is almost always a mistake that silently drops a value.
  // `site`: where the value is written (its key, or its list), since an alias
  // node carries the position of the node it refers to.
  // Returns the levels below `n` (0 for a scalar).
  int check(const YAML::Node& n, const std::string& path, const YAML::Mark& site) {
    for (const YAML::Node& a : ancestors_) {
      if (n.is(a)) {
        throw ConfigError(at(file_, site), path,
                          "a YAML alias here refers to a mapping or list that contains it: the value would never end");
      }
    }
    count(1, path, site);
    if (!n.IsMap() && !n.IsSequence()) return 0;
    // A node walked before (an alias repeats it): its keys passed, and a loop
    // through it would have been found then, so only its size and depth count.
    // Without this an alias bomb costs a walk of every value up to the bound.
    const YAML::Mark mark = n.Mark();
    if (!mark.is_null()) {
      for (const Walked& w : walked_[static_cast<std::size_t>(mark.pos)]) {
        if (!n.is(w.node)) continue;
        count(w.values - 1, path, site);
        depth(w.levels, path, site);
        return w.levels;
      }
    }
    depth(1, path, site);
    const std::size_t values_before = values_ - 1;
    int below = 0;
    ancestors_.push_back(n);
    if (n.IsMap()) {
      std::set<std::string> seen;
      for (const auto& kv : n) {
        const std::string sub = path.empty() ? "" : path + ".";
        if (!kv.first.IsScalar()) {
          throw ConfigError(at(file_, kv.first.Mark()), path, "a key must be a plain name");
        }
        const std::string key = kv.first.Scalar();
        if (!seen.insert(key).second) {
          throw ConfigError(at(file_, kv.first.Mark()), sub + key, fmt::format("duplicate key '{}'", key));
        }
        below = std::max(below, check(kv.second, sub + key, kv.first.Mark()));
      }
    } else {
      for (std::size_t i = 0; i < n.size(); ++i)
        below = std::max(below, check(n[i], fmt::format("{}[{}]", path, i), n.Mark()));
    }
    ancestors_.pop_back();
    if (!mark.is_null()) walked_[static_cast<std::size_t>(mark.pos)].push_back(Walked{n, values_ - values_before, below + 1});
    return below + 1;
  }

 private:
  // A mapping or list walked whole: the values it holds (itself included) and
  // its levels (1 + those below it).
  struct Walked {
    YAML::Node node;
    std::size_t values = 0;
    int levels = 0;
  };

  void count(std::size_t more, const std::string& path, const YAML::Mark& site) {
    values_ += more;
    if (values_ > kMaxValues) {
      throw ConfigError(at(file_, site), path,
                        fmt::format("the scenario expands to more than {} values (YAML aliases repeat what they "
                                    "refer to); write the values out or use fewer aliases",
                                    kMaxValues));
    }
  }
  // `levels` more below the current ancestors.
  void depth(int levels, const std::string& path, const YAML::Mark& site) const {
    if (static_cast<int>(ancestors_.size()) + levels > kMaxDepth) {
      throw ConfigError(at(file_, site), path, fmt::format("nested deeper than {} levels", kMaxDepth));
    }
  }

  const std::string& file_;
  std::vector<YAML::Node> ancestors_;
  std::size_t values_ = 0;
  std::map<std::size_t, std::vector<Walked>> walked_;  // by position in the text (aliases share their anchor's)
};

}  // namespace

// `a.b[2].c` and `a.b.2.c` both name entry 2 of list `b`: the parts are a, b,
// 2, c. A bracket must hold the index alone and be followed by '.', '[' or the end.
std::vector<std::string> split_path(const std::string& path, const std::string& value) {
  const auto bad = [&](const std::string& why) {
    return ConfigError(fmt::format("--set {}={}: {}", path, value, why));
  };
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else if (c == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos) throw bad(fmt::format("'[' at character {} is never closed", i + 1));
      if (i == 0) throw bad("a key path starts with a key, not an index");
      if (!cur.empty()) parts.push_back(cur);  // empty after "." or "]": the index follows them
      cur = path.substr(i + 1, close - i - 1);
      if (cur.empty()) throw bad(fmt::format("empty index at character {}", i + 1));
      parts.push_back(cur);
      cur.clear();
      i = close;
      if (i + 1 < path.size() && path[i + 1] != '.' && path[i + 1] != '[') {
        throw bad(fmt::format("expected '.' or '[' after ']' at character {}", i + 1));
      }
      if (i + 1 < path.size() && path[i + 1] == '.') ++i;
    } else if (c == ']') {
      throw bad(fmt::format("']' at character {} closes no '['", i + 1));
    } else {
      cur += c;
    }
  }
  if (!cur.empty() || path.empty() || path.back() == '.') parts.push_back(cur);
  return parts;
}

Document Document::parse(const std::string& text, const std::string& file_name) {
  Document d;
  d.file_ = file_name;
  try {
    d.root_ = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(at(file_name, e.mark), "", fmt::format("not valid YAML: {}", e.msg));
  }
  if (d.root_.IsNull()) throw ConfigError(SourceLocation{file_name, 1, 1}, "", "the scenario is empty");
  if (!d.root_.IsMap()) {
    throw ConfigError(at(file_name, d.root_.Mark()), "", "a scenario must be a mapping of keys to values");
  }
  (void)KeyCheck(file_name).check(d.root_, "", d.root_.Mark());
  return d;
}

Document Document::load_file(const std::string& path) {
  std::string text;
  try {
    text = read_text_file(path, "scenario file", kMaxScenarioBytes,
                          "; a scenario is a short text (traces and flow lists go in the files it names)");
  } catch (const ValueError& e) {
    throw ConfigError(e.what());
  }
  return parse(text, path);
}

std::string Document::closest(const Sections& sections, const std::string& key, const std::string& path) {
  std::string best;
  std::size_t best_shared = 0;
  for (const auto& [section, keys] : sections) {
    if (section == path || std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    std::size_t shared = 0;  // characters of the path in common: siblings first
    while (shared < section.size() && shared < path.size() && section[shared] == path[shared]) ++shared;
    if (best.empty() || shared > best_shared) {
      best = section.empty() ? key : section + "." + key;
      best_shared = shared;
    }
  }
  return best;
}

std::string Document::section_knowing(const std::string& key, const std::string& path) const {
  std::string best = closest(known_, key, path);
  if (best.empty() && later_) best = closest(later_(), key, path);
  return best;
}

SourceLocation Document::location(const YAML::Node& node, const std::string& path) const {
  if (auto it = overrides_.find(path); it != overrides_.end()) return SourceLocation{it->second, 0, 0};
  // A node inside a list or map that --set gave whole: its marks are positions
  // in the argument, not in the file.
  for (const auto& [p, origin] : overrides_) {
    if (path.size() > p.size() && path.compare(0, p.size(), p) == 0 && (path[p.size()] == '.' || path[p.size()] == '[')) {
      return SourceLocation{origin, 0, 0};
    }
  }
  // A node that --set created on the way to its key has no position of its own.
  if (node.Mark().is_null()) {
    for (const auto& [p, origin] : overrides_) {
      if (p.size() > path.size() && p.compare(0, path.size(), path) == 0 && p[path.size()] == '.') {
        return SourceLocation{origin, 0, 0};
      }
    }
  }
  return at(file_, node.Mark());
}

void Document::set(const std::string& path, const std::string& value) {
  const auto parts = split_path(path, value);
  // Node::operator= assigns through the handle in yaml-cpp; reset() rebinds it.
  YAML::Node cur;
  cur.reset(root_);
  // The key path as the Reader names it: list entries by index, `a.list[2].b`.
  std::string shown;
  const auto index_of = [&](const std::string& part) {
    std::size_t i = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), i);
    if (ec != std::errc() || ptr != part.data() + part.size() || i >= cur.size()) {
      throw ConfigError(fmt::format("--set {}={}: '{}' is a list of {} entries; expected an index from 0 to {}, found '{}'",
                                    path, value, shown, cur.size(), cur.size() == 0 ? 0 : cur.size() - 1, part));
    }
    return i;
  };
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next;
    if (cur.IsSequence()) {
      const std::size_t k = index_of(parts[i]);
      next.reset(cur[k]);
      shown += fmt::format("[{}]", k);
    } else {
      next.reset(cur[parts[i]]);
      if (!next.IsMap() && !next.IsSequence()) {
        cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next.reset(cur[parts[i]]);
      }
      shown += (shown.empty() ? "" : ".") + parts[i];
    }
    cur.reset(next);
  }
  // Parse the value as YAML so that numbers, booleans and strings keep their
  // usual meaning; a list or map written in YAML flow syntax (`[8, 8]`,
  // `{op: all_reduce, bytes: 1 MiB}`) stays one; anything else that is not a
  // plain scalar ("a: b") stays a string.
  YAML::Node v;
  const std::size_t first = value.find_first_not_of(" \t");
  const bool flow = first != std::string::npos && (value[first] == '[' || value[first] == '{');
  try {
    v = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    if (flow) {
      throw ConfigError(fmt::format("--set {}={}: cannot read the value as a YAML flow {}: {}", path, value,
                                    value[first] == '[' ? "list" : "map", e.msg));
    }
    v = YAML::Node(value);
  }
  if (!v.IsScalar() && !(flow && (v.IsSequence() || v.IsMap()))) v = YAML::Node(value);
  if (cur.IsSequence()) {
    if (!v.IsMap()) {
      throw ConfigError(fmt::format("--set {}={}: '{}' is a list; --set changes one key of an entry, e.g. {}.0.KEY=VALUE, "
                                    "or a whole entry given as a YAML flow map, e.g. {}[0]={{KEY: VALUE}}",
                                    path, value, shown, shown, shown));
    }
    const std::size_t k = index_of(parts.back());
    cur[k] = v;
    shown += fmt::format("[{}]", k);
  } else {
    cur[parts.back()] = v;
    shown += (shown.empty() ? "" : ".") + parts.back();
  }
  overrides_[shown] = fmt::format("--set {}={}", path, value);
}

}  // namespace orrery::config
