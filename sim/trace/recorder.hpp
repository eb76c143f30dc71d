// What a run leaves behind for the writers: spans (one per executed task),
// counters (per-device time series), per-link traffic, per-device memory and
// the summary. Model code never
// formats output; the executor fills a Recorder and the writers (HDF5,
// Perfetto JSON, JSON summary) read it.
#pragma once

#include <deque>
#include <initializer_list>
#include <utility>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/core/summary.hpp"

namespace orrery::trace {

struct Span {
  std::int64_t start;  // ns
  std::int64_t end;    // ns
  std::int32_t device;
  std::int8_t kind;    // index into Recorder::kinds()
  std::int32_t name;   // index into Recorder::names()
  std::int32_t micro_batch;
  std::int32_t stage;
  std::int64_t bytes;
};

struct LinkRow {
  std::int32_t link;
  std::int32_t src;
  std::int32_t dst;
  std::int32_t name;
  std::int64_t busy;  // ns
  std::int64_t bytes;
};

// One sample of a per-device counter (e.g. memory in use), valid from `time` on.
struct CounterSample {
  std::int64_t time;  // ns
  std::int32_t device;
  std::int32_t name;  // index into Recorder::names()
  double value;
};

inline constexpr int kMemoryParts = 5;  // parameters, gradients, optimizer, activations, buffers

struct MemoryRow {
  std::int32_t device;
  std::int64_t peak;
  std::array<std::int64_t, kMemoryParts> parts;  // the breakdown at the peak
};

// A table of numbers that a run mode adds beside the standard ones (the
// long-horizon failure simulation's /failures, /replicas...): named columns of
// float64, row-major, and named categories that integer-valued columns index
// (e.g. failure classes), written as a string-array attribute.
struct Table {
  std::string name;
  std::vector<std::string> columns;
  std::vector<double> values;  // rows × columns
  std::vector<std::pair<std::string, std::vector<std::string>>> labels;  // attribute name, strings
  void add(std::initializer_list<double> row) { values.insert(values.end(), row.begin(), row.end()); }
  [[nodiscard]] std::size_t rows() const { return columns.empty() ? 0 : values.size() / columns.size(); }
};

class Recorder {
 public:
  explicit Recorder(std::vector<std::string> kinds) : kinds_(std::move(kinds)) {}

  std::int32_t intern(std::string_view name);
  void span(const Span& s) { spans_.push_back(s); }
  void reserve_spans(std::size_t n) { spans_.reserve(n); }
  void link(const LinkRow& l) { links_.push_back(l); }
  void memory(const MemoryRow& m) { memory_.push_back(m); }
  void counter(const CounterSample& c) { counters_.push_back(c); }
  Summary& summary() { return summary_; }
  Table& table(std::string name, std::vector<std::string> columns) {
    tables_.push_back(Table{std::move(name), std::move(columns), {}, {}});
    return tables_.back();
  }

  [[nodiscard]] const std::vector<std::string>& kinds() const { return kinds_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] const std::vector<Span>& spans() const { return spans_; }
  [[nodiscard]] const std::vector<LinkRow>& links() const { return links_; }
  [[nodiscard]] const std::vector<MemoryRow>& memory() const { return memory_; }
  [[nodiscard]] const std::vector<CounterSample>& counters() const { return counters_; }
  [[nodiscard]] const Summary& summary() const { return summary_; }
  [[nodiscard]] const std::deque<Table>& tables() const { return tables_; }

 private:
  std::vector<std::string> kinds_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::int32_t> index_;
  std::vector<Span> spans_;
  std::vector<LinkRow> links_;
  std::vector<MemoryRow> memory_;
  std::vector<CounterSample> counters_;
  Summary summary_;
  std::deque<Table> tables_;  // stable references while adding
};

}  // namespace orrery::trace
