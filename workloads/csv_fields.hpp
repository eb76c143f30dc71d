// The fields of one CSV line, for the workloads' CSV readers (flows, request
// traces): split at commas, each field trimmed of spaces, tabs and a trailing
// carriage return, with the 1-based column of its first character for
// located errors. No quoting: the files these readers take have none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace orrery::workload {

struct CsvField {
  std::string text;  // trimmed
  int column = 1;    // 1-based, of the field's first character
};

inline std::vector<CsvField> split_csv_line(std::string_view line) {
  std::vector<CsvField> out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = line.find(',', begin);
    std::size_t a = begin;
    std::size_t b = comma == std::string_view::npos ? line.size() : comma;
    while (a < b && (line[a] == ' ' || line[a] == '\t')) ++a;
    while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t' || line[b - 1] == '\r')) --b;
    out.push_back(CsvField{std::string(line.substr(a, b - a)), static_cast<int>(a) + 1});
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return out;
}

}  // namespace orrery::workload
