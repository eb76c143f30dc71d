// Progress on stderr for a long run: the phase, the share done, the time
// elapsed and an estimate of the time left, redrawn on one line at most four
// times a second, from two seconds into the run (at once when forced). Never
// on stdout. Safe to call from several threads.
#pragma once

#include <chrono>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>

#include "sim/core/progress.hpp"

namespace orrery::cli {

class ProgressLine {
 public:
  // `out` is stderr; `force`: draw from the start even when it is not a terminal.
  ProgressLine(std::ostream& out, bool force);
  ~ProgressLine();  // ends the line it drew, if any
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(std::string_view phase, double fraction);
  // A function that calls update() (empty when nothing is to be drawn).
  [[nodiscard]] ProgressFn function();

 private:
  std::ostream& out_;
  bool force_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  std::chrono::steady_clock::time_point phase_start_{};
  std::mutex mutex_;
  bool drawn_ = false;
  std::string phase_;
};

// Whether stderr is a terminal (progress is drawn there by default).
[[nodiscard]] bool stderr_is_terminal();

}  // namespace orrery::cli
