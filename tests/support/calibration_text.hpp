// What the calibration-table tests share: the located error a table text raises
// (edit texts with test::replace of scenario_support.hpp).
#pragma once

#include <string>

#include "models/calibration/table.hpp"
#include "sim/core/error.hpp"

namespace orrery::test {

// The ConfigError message of parsing `text` as a table named t.yaml, or "(no error)".
inline std::string calibration_error_of(const std::string& text) {
  try {
    (void)models::parse_calibration_table(text, "t.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace orrery::test
