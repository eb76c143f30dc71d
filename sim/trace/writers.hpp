// The three views of a run: the HDF5 result file (layout in
// scripts/RESULTS_LAYOUT.md and DESIGN.md), the Perfetto / Chrome trace JSON
// (opens in ui.perfetto.dev), and the summary as one JSON object or a table.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "sim/trace/recorder.hpp"

namespace orrery::trace {

struct RunInfo {
  std::string program_version;
  std::string scenario;       // resolved YAML
  std::string scenario_file;  // as given
  std::uint64_t seed = 0;
  double wall_s = 0;
};

// Writes the result file at `path` atomically.
void write_hdf5(const std::string& path, const Recorder& rec, const RunInfo& info);

// Chrome trace-event JSON: one process per device, one thread per stream
// (compute, send), a complete ("X") event per span, times in microseconds.
void write_perfetto(const std::string& path, const Recorder& rec);

// The summary as one JSON object on one line: keys in order, numbers exact
// enough to round-trip (17 significant digits), lists as arrays.
void write_summary_json(std::ostream& out, const Summary& s, double wall_s);
// A short human table.
void write_summary_table(std::ostream& out, const Summary& s, double wall_s);

// A JSON string literal with escapes.
[[nodiscard]] std::string json_quote(const std::string& s);

}  // namespace orrery::trace
