#include "sim/cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <ostream>

namespace orrery::cli {

namespace {

std::string seconds(double s) {
  if (s < 60) return fmt::format("{:.0f} s", s);
  const auto whole = static_cast<long>(s);
  if (s < 3600) return fmt::format("{}:{:02} min", whole / 60, whole % 60);
  return fmt::format("{:.1f} h", s / 3600);
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(std::ostream& out, bool force) : out_(out), force_(force) {}

ProgressLine::~ProgressLine() {
  if (drawn_) out_ << "\n" << std::flush;
}

void ProgressLine::update(std::string_view phase, double fraction) {
  const std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool done = fraction >= 1.0;
  if (!force_ && elapsed < 2.0) return;
  if (!done && phase == phase_ && now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  if (phase != phase_) {
    if (drawn_) out_ << "\n";
    phase_ = std::string(phase);
    phase_start_ = now;
  }
  const double in_phase = std::chrono::duration<double>(now - phase_start_).count();
  std::string line = fmt::format("{}: {:5.1f}%  {} elapsed", phase, 100 * fraction, seconds(elapsed));
  if (fraction > 0 && !done) line += fmt::format(", about {} left", seconds(in_phase * (1 - fraction) / fraction));
  out_ << "\r" << fmt::format("{:<72}", line) << std::flush;
  drawn_ = true;
}

ProgressFn ProgressLine::function() {
  return [this](std::string_view phase, double fraction) { update(phase, fraction); };
}

}  // namespace orrery::cli
