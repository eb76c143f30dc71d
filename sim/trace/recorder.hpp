// What a run leaves behind: the name table, per-link traffic, per-device
// memory, the summary and the policies' tables, kept in memory (they are small),
// and the timeline — spans and counter samples — which the executor reports
// through SpanSink and the Recorder passes on, as far as its selection keeps
// them, to its observers: the streaming writers (sim/trace/writers.hpp) and,
// when asked (tests, small runs), an in-memory buffer. Model code never
// formats output.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/core/summary.hpp"
#include "sim/trace/record_selection.hpp"
#include "sim/trace/span_sink.hpp"

namespace orrery::trace {

struct LinkRow {
  std::int32_t link;
  std::int32_t src;
  std::int32_t dst;
  std::int32_t name;
  std::int64_t busy;  // ns
  std::int64_t bytes;
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
  // One value at a time: vector::insert of a range is an out-of-line call per
  // row, which cost the long-horizon simulation ~4% of its instructions.
  void add(std::initializer_list<double> row) {
    for (const double v : row) values.push_back(v);
  }
  void reserve_rows(std::size_t n) { values.reserve(n * columns.size()); }
  [[nodiscard]] std::size_t rows() const { return columns.empty() ? 0 : values.size() / columns.size(); }
};

// Spans and samples kept in memory, in the order they were reported.
class TimelineBuffer final : public TimelineObserver {
 public:
  void span(const Span& s) override { spans_.push_back(s); }
  void counter(const CounterSample& c) override { counters_.push_back(c); }
  void reserve_spans(std::size_t n) { spans_.reserve(n); }
  [[nodiscard]] const std::vector<Span>& spans() const { return spans_; }
  [[nodiscard]] const std::vector<CounterSample>& counters() const { return counters_; }

 private:
  std::vector<Span> spans_;
  std::vector<CounterSample> counters_;
};

class Recorder final : public SpanSink {
 public:
  explicit Recorder(std::vector<std::string> kinds) : kinds_(std::move(kinds)) {}

  std::int32_t intern(std::string_view name) override;
  // Appends `name` as a new row of the name table without looking it up: for
  // a caller whose names are distinct from each other and from the spans'
  // (the links' "src->dst"), where hashing each would cost more than the row.
  // A later intern() still finds it (the index takes such rows in lazily).
  std::int32_t add_name(std::string name);
  // Room for `more` names beyond those interned (a caller about to intern many).
  void reserve_names(std::size_t more);
  void span(const Span& s) override {
    if (!filter_.keeps(s)) return;
    for (TimelineObserver* o : observers_) o->span(s);
  }
  void counter(const CounterSample& c) override {
    if (!filter_.keeps(c)) return;
    for (TimelineObserver* o : observers_) o->counter(c);
  }
  [[nodiscard]] bool keeps_spans_of(std::int32_t device) const override { return filter_.keeps_spans_of(device); }

  // What reaches the observers, on a cluster of `devices` (a representative
  // selection resolved into its list). Throws ConfigError for a device outside it.
  void select(const RecordSelection& s, int devices);
  // `o` receives the selected timeline from now on; it must outlive the run.
  void observe(TimelineObserver& o) { observers_.push_back(&o); }
  // Whether anything (a writer, the kept timeline) takes what is recorded.
  [[nodiscard]] bool has_observers() const { return !observers_.empty(); }
  // Keeps the selected timeline in memory too (spans(), counters()).
  void keep_timeline();
  // Whether anything of the timeline would reach anyone (else the executor need not report it).
  [[nodiscard]] bool records_timeline() const {
    return !observers_.empty() && (selection_.spans || selection_.counters);
  }
  void reserve_spans(std::size_t n) {
    if (kept_) kept_->reserve_spans(n);
  }

  void link(const LinkRow& l) { links_.push_back(l); }
  void memory(const MemoryRow& m) { memory_.push_back(m); }
  Summary& summary() { return summary_; }
  Table& table(std::string name, std::vector<std::string> columns) {
    tables_.push_back(Table{std::move(name), std::move(columns), {}, {}});
    return tables_.back();
  }

  [[nodiscard]] const std::vector<std::string>& kinds() const { return kinds_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] const RecordSelection& selection() const { return selection_; }
  // The kept timeline (empty unless keep_timeline() was called).
  [[nodiscard]] const std::vector<Span>& spans() const;
  [[nodiscard]] const std::vector<CounterSample>& counters() const;
  [[nodiscard]] const std::vector<LinkRow>& links() const { return links_; }
  [[nodiscard]] const std::vector<MemoryRow>& memory() const { return memory_; }
  [[nodiscard]] const Summary& summary() const { return summary_; }
  [[nodiscard]] const std::deque<Table>& tables() const { return tables_; }

 private:
  std::vector<std::string> kinds_;
  std::vector<std::string> names_;
  // Looked up by string_view (no key built for a name already there).
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::int32_t, NameHash, std::equal_to<>> index_;
  std::size_t indexed_ = 0;  // names_[0, indexed_) are in index_; add_name() leaves the rest
  RecordSelection selection_;
  SelectionFilter filter_;
  std::vector<TimelineObserver*> observers_;
  std::unique_ptr<TimelineBuffer> kept_;
  std::vector<LinkRow> links_;
  std::vector<MemoryRow> memory_;
  Summary summary_;
  std::deque<Table> tables_;  // stable references while adding
};

}  // namespace orrery::trace
