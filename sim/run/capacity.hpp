// Capacity search: the highest request rate at which a serving scenario still
// meets its service-level objectives (e.g. p99 TTFT and p99 TPOT), found by
// k-section — each round simulates `jobs` rates inside the bracket at once, on
// as many threads, and keeps the highest that met the objectives and the
// lowest that missed them. The answer comes with its bracket. Every point is
// the same scenario and seed at another rate, so the search is deterministic
// whatever the threads' order. Assumes the objectives are met below some
// rate and missed above it (latency grows with load).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/core/summary.hpp"

namespace orrery::run {

// One objective: the summary value `key` must not exceed `bound`.
struct Objective {
  std::string key;
  double bound = 0;
};

struct CapacityOptions {
  double low = 0.1;         // requests/s: a rate that should meet the objectives
  double high = 100;        // a rate that should miss them (doubled while it meets, up to 2^20 × low)
  double tolerance = 0.02;  // stop when (missed − met) / missed is at most this
  int jobs = 2;             // rates simulated at once
  int max_points = 24;      // simulations at most
};

struct CapacityPoint {
  double rate = 0;
  bool meets = false;
  std::vector<double> values;  // the objectives' summary values, in order
};

struct CapacityResult {
  double met = 0;     // the highest rate that met the objectives (0: none did)
  double missed = 0;  // the lowest rate above it that missed them (0: none did)
  std::vector<CapacityPoint> points;  // in the order simulated (by rate within a round)
};

// `evaluate(rate)` simulates the scenario at `rate` and returns its summary;
// it is called from several threads at once. Throws what evaluate throws
// (a ConfigError for an objective's key that the summary lacks).
[[nodiscard]] CapacityResult capacity_search(const std::function<Summary(double)>& evaluate,
                                             const std::vector<Objective>& objectives, const CapacityOptions& options);

}  // namespace orrery::run
