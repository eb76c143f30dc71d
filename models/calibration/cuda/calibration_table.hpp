// The calibration table that `orrery-calibrate` writes: provenance plus one
// section of rows per kernel family, printed as the `orrery-calibration/1` YAML
// format documented in models/calibration/README.md. Host-only and free of CUDA
// so that the exact text it prints is unit-tested on machines without a GPU.
// Values are formatted here, once: times as "1.25 ms" (ns/us/ms/s, at most six
// significant digits), sizes as "1 GiB".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orrery::models::calibration {

// "1.25 ms", "360 us", "812 ns", "2.5 s": the unit that puts the value in [1, 1000).
[[nodiscard]] std::string format_time(double seconds);
// "1 GiB", "512 MiB", "3 KiB", "100 B": the largest binary unit that divides exactly.
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);
// A YAML double-quoted scalar: "text", with \" and \\ escaped.
[[nodiscard]] std::string yaml_quoted(std::string_view text);

// One row of a section, written as a YAML flow mapping in the order the fields
// were added, with an optional trailing comment (the achieved rate, for humans).
class Row {
 public:
  Row& add(std::string key, std::string_view plain_value);
  Row& add(std::string key, const char* plain_value) {
    return add(std::move(key), std::string_view(plain_value));
  }
  Row& add(std::string key, std::int64_t value);
  Row& add(std::string key, bool value);
  Row& add_time(double seconds);  // the `time` field every row ends with
  Row& comment(std::string text);
  [[nodiscard]] std::string str() const;  // "{ dtype: bf16, m: 1, ... }  # comment"

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  std::string comment_;
};

// A shape (or a whole dtype) a sweep could not time, and why: the library's
// status, "does not fit in free device memory", ... Listed at the end of the
// table under `skipped:`, so a reader sees what a run lacks without comments.
struct Skipped {
  std::string shape;   // "fp8 m=1 n=1024 k=1024"
  std::string reason;  // "CUBLAS_STATUS_NOT_SUPPORTED (...)"
};

// A section: rows, and comment lines saying what was skipped and why, in order.
class Section {
 public:
  explicit Section(std::string name) : name_(std::move(name)) {}
  void add(Row row) { lines_.push_back({std::move(row), {}}); }
  void note(std::string text) { lines_.push_back({Row{}, std::move(text)}); }
  // A comment line "SHAPE skipped: REASON" here, and an entry of `skipped:`.
  void skip(std::string shape, std::string reason);
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::size_t rows() const;
  [[nodiscard]] const std::vector<Skipped>& skipped() const { return skipped_; }
  void write(std::FILE* out) const;

 private:
  struct Line {
    Row row;
    std::string note;  // non-empty: a comment line instead of a row
  };
  std::string name_;
  std::vector<Line> lines_;
  std::vector<Skipped> skipped_;
};

struct Provenance {
  std::string gpu;             // "NVIDIA H100 80GB HBM3"
  std::string driver;          // "13.0" (cudaDriverGetVersion)
  std::string driver_release;  // "580.65.06" from NVML when it loads, else empty; written as a comment
  std::string cuda_runtime;    // "13.0"
  std::string clocks;          // "sm 1980 MHz, memory 2619 MHz"
  std::string date;            // "2026-11-22" (UTC)
  std::string command;         // the command line, as typed
};

// The whole file. `device` is the orrery device file name (models/devices/).
// Every section's skipped shapes follow the sections as one `skipped:` list of
// { family, shape, reason } (absent when nothing was skipped).
void write_table(std::FILE* out, std::string_view device, const Provenance& provenance,
                 const std::vector<Section>& sections);

}  // namespace orrery::models::calibration
