// Finding and reading a Chakra trace's files, and ASTRA-sim's communicator
// group file (chakra_trace.hpp).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/core/text_file.hpp"
#include "workloads/chakra/chakra_trace.hpp"


namespace orrery::workload::chakra {

namespace fs = std::filesystem;

namespace {

// "NAME.RANK.et" or "NAME.RANK.et.txt": NAME, RANK (no leading zeros) and
// whether it is text; nullopt for any other name.
struct TraceName {
  std::string prefix;
  int rank = 0;
  bool text = false;
};
std::optional<TraceName> split_name(const std::string& name) {
  TraceName t;
  std::string stem = name;
  if (stem.size() > 7 && stem.ends_with(".et.txt")) {
    t.text = true;
    stem.resize(stem.size() - 7);
  } else if (stem.size() > 3 && stem.ends_with(".et")) {
    stem.resize(stem.size() - 3);
  } else {
    return std::nullopt;
  }
  const auto dot = stem.rfind('.');
  if (dot == std::string::npos || dot + 1 == stem.size()) return std::nullopt;
  const std::string digits = stem.substr(dot + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if ((digits.size() > 1 && digits[0] == '0') || digits.size() > 7) return std::nullopt;  // ranks below 10^7
  t.prefix = stem.substr(0, dot);
  t.rank = std::stoi(digits);
  return t;
}

std::string ranks_text(const std::vector<std::string>& files) {
  std::vector<std::string> have;
  for (std::size_t r = 0; r < files.size(); ++r)
    if (!files[r].empty()) have.push_back(std::to_string(r));
  std::string out;
  for (std::size_t i = 0; i < have.size() && i < 8; ++i) out += (i ? ", " : "") + have[i];
  return have.size() > 8 ? out + ", ..." : out;
}

// The whole file, at most 1 GiB as the GraphML reader takes (sim/core/text_file.hpp).
std::string read_file(const std::string& path, std::string_view what) {
  return read_text_file(path, what, std::uintmax_t{1} << 30);
}

}  // namespace

TraceFiles find_trace_files(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  const bool folder = fs::is_directory(p, ec);
  const fs::path dir = folder ? p : (p.parent_path().empty() ? fs::path(".") : p.parent_path());
  const std::string base = folder ? std::string() : p.filename().string();
  if (!fs::is_directory(dir, ec)) {
    throw ValueError(fmt::format("no trace '{}': the folder '{}' does not exist", path, dir.string()));
  }
  std::vector<TraceName> found;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const auto t = split_name(name);
    if (!t || (!folder && t->prefix != base)) continue;
    found.push_back(*t);
    names.push_back(name);
  }
  if (found.empty()) {
    throw ValueError(folder ? fmt::format("no trace files (NAME.RANK.et or NAME.RANK.et.txt) in the folder '{}'", path)
                            : fmt::format("no trace files '{}.RANK.et' (or .et.txt): '{}.0.et' does not exist", path,
                                          path));
  }
  TraceFiles out;
  const std::string prefix = found.front().prefix;
  int top = 0;
  for (const TraceName& t : found) {
    if (t.prefix != prefix) {
      throw ValueError(fmt::format("the folder '{}' holds two traces, '{}' and '{}': name one by its prefix", path,
                                   std::min(prefix, t.prefix), std::max(prefix, t.prefix)));
    }
    top = std::max(top, t.rank);
  }
  out.prefix = (dir / prefix).string();
  out.files.assign(static_cast<std::size_t>(top) + 1, "");
  for (std::size_t i = 0; i < found.size(); ++i) {
    std::string& slot = out.files[static_cast<std::size_t>(found[i].rank)];
    const std::string file = (dir / names[i]).string();
    if (!slot.empty()) {
      throw ValueError(fmt::format("rank {} has two files, '{}' and '{}'", found[i].rank, std::min(slot, file),
                                   std::max(slot, file)));
    }
    slot = file;
  }
  for (std::size_t r = 0; r < out.files.size(); ++r) {
    if (out.files[r].empty()) {
      throw ValueError(fmt::format("rank {} is missing: '{}.{}.et' does not exist (ranks found: {})", r, out.prefix, r,
                                   ranks_text(out.files)));
    }
  }
  return out;
}

std::vector<RankTrace> read_trace(const TraceFiles& files, const std::string& key) {
  std::vector<RankTrace> out;
  for (const std::string& file : files.files) {
    const std::string bytes = read_file(file, "trace file");
    out.push_back(file.ends_with(".txt") ? parse_text_trace(bytes, file, key) : parse_binary_trace(bytes, file, key));
  }
  return out;
}

CommGroups read_comm_groups(const std::string& path, const std::string& key) {
  const std::string text = read_file(path, "communicator group file");
  const auto at = [&](const YAML::Mark& m) { return SourceLocation{path, m.line + 1, m.column + 1}; };
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(at(e.mark), key, fmt::format("not valid JSON: {}", e.msg));
  }
  if (!root.IsMap()) {
    throw ConfigError(SourceLocation{path, 1, 1}, key,
                      "expected a JSON object of groups, {\"1\": [0, 1], ...} (ASTRA-sim's communicator groups)");
  }
  CommGroups out;
  for (const auto& entry : root) {
    const std::string name = entry.first.as<std::string>();
    const YAML::Node& ranks = entry.second;
    if (!ranks.IsSequence() || ranks.size() == 0) {
      throw ConfigError(at(ranks.Mark()), key + "." + name, "expected a non-empty list of ranks");
    }
    std::vector<int> list;
    for (const auto& r : ranks) {
      int v = -1;
      try {
        v = r.as<int>();
      } catch (const YAML::Exception&) {
        v = -1;
      }
      if (v < 0) throw ConfigError(at(r.Mark()), key + "." + name, "expected a rank (an integer >= 0)");
      if (std::find(list.begin(), list.end(), v) != list.end())
        throw ConfigError(at(r.Mark()), key + "." + name, fmt::format("rank {} appears twice", v));
      list.push_back(v);
    }
    if (!out.emplace(name, std::move(list)).second)
      throw ConfigError(at(entry.first.Mark()), key + "." + name, "the group appears twice");
  }
  return out;
}

}  // namespace orrery::workload::chakra
