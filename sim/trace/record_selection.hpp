// Which part of a run's timeline is recorded: the devices (all of them, one
// representative data-parallel replica as the workload reports it, or a list),
// a window of simulated time, and spans and/or counter samples. `orrery run`
// reads it from --record-devices, --record-window and --record-kinds; the
// Recorder applies it before anything reaches a writer.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/span_sink.hpp"

namespace orrery::trace {

struct RecordSelection {
  enum class Devices { kAll, kRepresentative, kList };
  Devices devices = Devices::kAll;
  std::vector<std::int32_t> list;  // kList (and kRepresentative once resolved): sorted, distinct
  std::int64_t from = 0;           // ns; the window is [from, to)
  std::int64_t to = std::numeric_limits<std::int64_t>::max();
  bool spans = true;
  bool counters = true;
  std::int64_t link_bin = 0;  // ns: /link_load's bin width (--record-links); 0: none

  // One line for /meta/recorded, e.g. "devices 0-7,64-71 (representative); window 0 ns to end; spans,
  // counters".
  [[nodiscard]] std::string describe() const;
};

// Parsers of the command-line values; each throws ValueError saying what it expected.
// "all", "representative", or a list of ids and ranges: "0-63", "0,8,16-23".
void parse_record_devices(std::string_view text, RecordSelection& out);
// "FROM,TO" as durations, either end may be empty: "0s,2s", "1.5 ms,", ",10ms".
void parse_record_window(std::string_view text, RecordSelection& out);
// "spans", "counters" or both, comma-separated.
void parse_record_kinds(std::string_view text, RecordSelection& out);
// A duration (the bin width of link load over time): "1ms", "250 us". At least 1 µs.
void parse_record_links(std::string_view text, RecordSelection& out);

// The selection resolved against a cluster: a test per span and per sample.
class SelectionFilter {
 public:
  SelectionFilter() = default;
  // `devices` of the cluster. A kRepresentative selection is resolved into `list` first; left
  // empty (the workload has no replicas), it keeps every device.
  SelectionFilter(const RecordSelection& s, int devices);
  [[nodiscard]] bool keeps(const Span& s) const {
    return spans_ && device(s.device) && s.start < to_ &&
           (s.end > from_ || (s.start == s.end && s.start >= from_));
  }
  [[nodiscard]] bool keeps(const CounterSample& c) const {
    return counters_ && device(c.device) && c.time >= from_ && c.time < to_;
  }
  [[nodiscard]] bool keeps_spans_of(std::int32_t d) const { return spans_ && device(d); }

 private:
  [[nodiscard]] bool device(std::int32_t d) const {
    return all_ ||
           (d >= 0 && static_cast<std::size_t>(d) < devices_.size() && devices_[static_cast<std::size_t>(d)]);
  }
  bool all_ = true;
  std::vector<bool> devices_;
  std::int64_t from_ = 0;
  std::int64_t to_ = std::numeric_limits<std::int64_t>::max();
  bool spans_ = true;
  bool counters_ = true;
};

// "0-7,64-71": sorted distinct ids as runs.
[[nodiscard]] std::string device_ranges(const std::vector<std::int32_t>& ids);

}  // namespace orrery::trace
