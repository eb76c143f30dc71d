#include "workloads/traffic_csv.hpp"

#include "workloads/csv_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

namespace orrery::workload {

namespace {

using Field = CsvField;

std::vector<Field> split(std::string_view line) { return split_csv_line(line); }

struct Column {
  int index = -1;
  std::string unit;  // from the header, or empty
};

const std::vector<std::string> kNames{"src", "dst", "bytes", "start_time"};

// Throws ConfigError at (line, column) of the file.
struct Failer {
  const std::string& shown;
  const std::string& key;
  int line = 0;
  [[noreturn]] void operator()(int column, const std::string& message) const {
    throw ConfigError(SourceLocation{shown, line, column}, key, message);
  }
};

// The columns src, dst, bytes, start_time: where each is and its unit.
std::vector<Column> read_header(const std::vector<Field>& fields, const Failer& fail) {
  std::vector<Column> columns(kNames.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string name = fields[i].text;
    std::string unit;
    if (const auto open = name.find('['); open != std::string::npos) {
      const auto close = name.find(']', open);
      if (close == std::string::npos || close + 1 != name.size()) {
        fail(fields[i].column, fmt::format("header '{}': write a unit as `name [unit]`", fields[i].text));
      }
      unit = name.substr(open + 1, close - open - 1);
      name = name.substr(0, open);
      while (!name.empty() && name.back() == ' ') name.pop_back();
    }
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    if (it == kNames.end())
      fail(fields[i].column, fmt::format("unknown column '{}'; valid: src, dst, bytes, start_time", name));
    Column& c = columns[static_cast<std::size_t>(it - kNames.begin())];
    if (c.index >= 0) fail(fields[i].column, fmt::format("column '{}' appears twice", name));
    if ((name == "src" || name == "dst") && !unit.empty()) {
      fail(fields[i].column, fmt::format("column '{}' holds device ids and takes no unit", name));
    }
    c = Column{static_cast<int>(i), unit};
  }
  for (std::size_t k = 0; k < 3; ++k) {
    if (columns[k].index < 0)
      fail(1, fmt::format("the header lacks the column '{}' (src, dst, bytes needed)", kNames[k]));
  }
  return columns;
}

int read_device(const std::string& text) {
  int id = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id < 0) {
    throw ValueError(fmt::format("expected a device id (an integer >= 0), found '{}'", text));
  }
  return id;
}

// A value with its unit: from the header (the value a plain number) or in the value.
std::string with_unit(const Field& v, const Column& c) {
  if (c.unit.empty()) return v.text;
  if (v.text.empty() || v.text.find_first_not_of("0123456789.+-eE") != std::string::npos) {
    throw ValueError(
        fmt::format("expected a plain number (the unit, {}, is in the header), found '{}'", c.unit, v.text));
  }
  return v.text + " " + c.unit;
}

CsvFlow read_row(const std::vector<Field>& fields, const std::vector<Column>& columns, const Failer& fail) {
  CsvFlow f;
  f.at = SourceLocation{fail.shown, fail.line, 1};
  for (std::size_t k = 0; k < kNames.size(); ++k) {
    const Column& c = columns[k];
    if (c.index < 0) continue;
    const Field& v = fields[static_cast<std::size_t>(c.index)];
    try {
      if (k == 0) f.src = read_device(v.text);
      if (k == 1) f.dst = read_device(v.text);
      if (k == 2) {
        f.bytes = parse_bytes(with_unit(v, c));
        if (f.bytes < Bytes(0)) throw ValueError(fmt::format("bytes must not be negative, got '{}'", v.text));
      }
      if (k == 3) {
        f.start = parse_duration(with_unit(v, c));
        if (f.start < Duration{})
          throw ValueError(fmt::format("start_time must not be negative, got '{}'", v.text));
      }
    } catch (const ValueError& e) {
      fail(v.column, fmt::format("column {}: {}", kNames[k], e.what()));
    }
  }
  if (f.src == f.dst) fail(1, fmt::format("a flow from device {} to itself", f.src));
  return f;
}

}  // namespace

std::vector<CsvFlow> parse_flow_csv(const std::string& text, const std::string& shown, const std::string& key,
                                    const SourceLocation& named_at) {
  std::istringstream in(text);
  std::string line;
  Failer fail{shown, key, 0};
  std::optional<std::vector<Column>> columns;
  std::size_t width = 0;
  std::vector<CsvFlow> flows;
  while (std::getline(in, line)) {
    ++fail.line;
    std::string_view view(line);
    while (!view.empty() && (view.front() == ' ' || view.front() == '\t' || view.front() == '\r'))
      view.remove_prefix(1);
    if (view.empty() || view.front() == '#') continue;
    const auto fields = split(line);
    if (!columns) {
      columns = read_header(fields, fail);
      width = fields.size();
    } else if (fields.size() != width) {
      fail(1, fmt::format("{} fields where the header has {}", fields.size(), width));
    } else {
      flows.push_back(read_row(fields, *columns, fail));
    }
  }
  if (!columns) {
    throw ConfigError(named_at, key,
                      fmt::format("the file '{}' has no header line (src,dst,bytes[,start_time])", shown));
  }
  if (flows.empty()) throw ConfigError(named_at, key, fmt::format("the file '{}' lists no flows", shown));
  return flows;
}

std::vector<CsvFlow> read_flow_csv(const std::string& path, const std::string& shown, const std::string& key,
                                   const SourceLocation& named_at) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ValueError(fmt::format("cannot open flow file '{}'", shown));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_flow_csv(text.str(), shown, key, named_at);
}

}  // namespace orrery::workload
