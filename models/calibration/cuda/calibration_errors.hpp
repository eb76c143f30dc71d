// Typed errors of `orrery-calibrate`. Library code throws; only main prints the
// message and picks the exit status: 2 for a bad command line (UsageError), 1 for
// anything that goes wrong on the machine (no GPU, a CUDA or library error, a
// failed --verify).
#pragma once

#include <stdexcept>

namespace orrery::models::calibration {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CalibrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace orrery::models::calibration
