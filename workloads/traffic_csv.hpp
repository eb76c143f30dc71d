// Flows listed in a CSV file, for the `traffic` workload's `pattern: file`.
// The first line that is not blank or a `#` comment is the header: the
// columns src, dst, bytes and (optionally) start_time, in any order. A column
// may give its unit in the header, `bytes [MiB]`, `start_time [us]`, and then
// its values are plain numbers; without one, each value carries its unit
// ("4 MiB", "10 us"). src and dst are device ids. Blank lines and lines
// starting with `#` are skipped. Every bad line is a ConfigError at
// file:line:column naming the column.
#pragma once

#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::workload {

struct CsvFlow {
  int src = 0;
  int dst = 0;
  Bytes bytes;
  Duration start;
  SourceLocation at;  // the line it came from
};

// Reads `path`; errors name `shown` as the file and `key` as the key path.
// Throws ValueError when the file cannot be opened, ConfigError for bad content:
// at the line and column in the file, or, for the file as a whole (no header,
// no flows), at `named_at`, where the scenario names the file.
[[nodiscard]] std::vector<CsvFlow> read_flow_csv(const std::string& path, const std::string& shown,
                                                 const std::string& key, const SourceLocation& named_at);
// The same, from text already read (for tests).
[[nodiscard]] std::vector<CsvFlow> parse_flow_csv(const std::string& text, const std::string& shown,
                                                  const std::string& key, const SourceLocation& named_at);

}  // namespace orrery::workload
