// The three views of a run: the HDF5 result file (layout in
// scripts/RESULTS_LAYOUT.md and DESIGN.md), the Perfetto / Chrome trace JSON
// (opens in ui.perfetto.dev), and the summary as one JSON object or a table.
// The first two are timeline observers: attached to a Recorder before the run
// (Recorder::observe), they write spans and counter samples as they come,
// to a temporary beside their path; finish() completes the file, and its
// file() is renamed with the run's other outputs (commit_together). A writer
// destroyed uncommitted (the run failed) removes its temporary.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "sim/trace/atomic_file.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::trace {

struct RunInfo {
  std::string program_version;
  std::string scenario;       // resolved YAML
  std::string scenario_file;  // as given
  std::uint64_t seed = 0;
  double wall_s = 0;
};

// Call first thing in main(), before any HDF5 call: HDF5 then installs no
// exit handler. The writers close every file they open; HDF5's handler, after a
// write had failed (a full disk), closed the half-written file again and
// crashed (SIGSEGV in H5F__close_cb at exit).
void hdf5_no_exit_cleanup();

class Hdf5Writer final : public TimelineObserver {
 public:
  explicit Hdf5Writer(const std::string& path);
  ~Hdf5Writer() override;
  void span(const Span& s) override;
  void counter(const CounterSample& c) override;
  // Writes everything else `rec` holds (its selection as /meta/recorded) and
  // closes the temporary; file() then renames it (trace::commit_together).
  void finish(const Recorder& rec, const RunInfo& info);
  [[nodiscard]] AtomicFile& file() { return *out_; }

 private:
  struct Open;
  std::unique_ptr<AtomicFile> out_;
  std::unique_ptr<Open> open_;  // HDF5 stays out of this header
};

// Chrome trace-event JSON: one process per device, one thread per stream
// (compute, send), a complete ("X") event per span, times in microseconds.
// Names are looked up in `rec` as spans come.
class PerfettoWriter final : public TimelineObserver {
 public:
  PerfettoWriter(const std::string& path, const Recorder& rec);
  void span(const Span& s) override;
  void counter(const CounterSample& c) override;
  // Completes and closes the temporary; file() then renames it.
  void finish();
  [[nodiscard]] AtomicFile& file() { return file_; }

 private:
  void next(std::int32_t device);  // the separator, and the device's track names the first time it appears
  AtomicFile file_;
  std::ofstream out_;
  const Recorder& rec_;
  std::vector<bool> seen_;
  bool first_ = true;
};

// The summary as one JSON object on one line: keys in order, numbers exact
// enough to round-trip (17 significant digits), lists as arrays.
void write_summary_json(std::ostream& out, const Summary& s, double wall_s);
// A short human table.
void write_summary_table(std::ostream& out, const Summary& s, double wall_s);

// A JSON string literal with escapes.
[[nodiscard]] std::string json_quote(const std::string& s);

}  // namespace orrery::trace
