// What the scenario-driven benchmarks share: a number from a run's summary.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "sim/run/simulation.hpp"

namespace orrery::bench {

// A scalar summary value as a double; 0 when the summary lacks it (the
// benchmark's own check then fails, with SkipWithError).
inline double summary_number(const run::RunOutput& out, const std::string& key) {
  const auto* v = out.recorder->summary().find(key);
  if (!v) return 0;
  if (const auto* d = std::get_if<double>(v)) return *d;
  return static_cast<double>(std::get<std::int64_t>(*v));
}

}  // namespace orrery::bench
