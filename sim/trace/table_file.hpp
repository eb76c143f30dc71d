// A table on its own, written as one HDF5 file and as CSV: what `orrery
// search` leaves (the plan table). The HDF5 file has /meta (program version,
// the scenario, its file) and one dataset per column under /GROUP (float64,
// int64 or strings), in column order (the group's `columns` attribute); the
// CSV has a header line and one line per row, numbers as fmt prints them
// (the shortest text that reads back the same double), text quoted when it
// holds a comma, a quote or a line break. Both are written to a temporary and
// renamed, so a path never holds a partial file.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sim/trace/writers.hpp"

namespace orrery::trace {

struct Column {
  std::string name;
  std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<std::string>> values;
  [[nodiscard]] std::size_t rows() const;
};

struct ColumnTable {
  std::string group;  // the HDF5 group, e.g. "plans"
  std::vector<Column> columns;  // all of the same length
};

void write_table_h5(const std::string& path, const ColumnTable& table, const RunInfo& info);
void write_table_csv(const std::string& path, const ColumnTable& table);

}  // namespace orrery::trace
