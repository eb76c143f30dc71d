#include "sim/run/capacity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::run {

namespace {

double value_of(const Summary& s, const std::string& key) {
  const std::optional<double> v = s.number(key);
  if (!v) {
    std::vector<std::string> keys;
    for (const auto& [k, value] : s.entries())
      if (std::holds_alternative<double>(value) || std::holds_alternative<std::int64_t>(value)) keys.push_back(k);
    std::string msg = fmt::format("--slo {}: the summary has no number of that name", key);
    if (const auto near = nearest(key, keys)) msg += fmt::format("; did you mean '{}'?", *near);
    throw ConfigError(msg + "; the serving summary's latencies: ttft_p99_s, tpot_p99_s, e2e_p99_s (and _mean_s, "
                            "_p50_s, _p90_s)");
  }
  return *v;
}

// Simulates `rates` at once, one thread each; rethrows the first failure.
std::vector<CapacityPoint> simulate_all(const std::function<Summary(double)>& evaluate,
                                        const std::vector<Objective>& objectives, const std::vector<double>& rates) {
  std::vector<CapacityPoint> out(rates.size());
  std::vector<std::exception_ptr> errors(rates.size());
  const auto one = [&](std::size_t i) {
    try {
      const Summary s = evaluate(rates[i]);
      CapacityPoint& p = out[i];
      p.rate = rates[i];
      p.meets = true;
      for (const Objective& o : objectives) {
        const double v = value_of(s, o.key);
        p.values.push_back(v);
        if (!(v <= o.bound)) p.meets = false;
      }
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < rates.size(); ++i) threads.emplace_back(one, i);
  if (!rates.empty()) one(0);
  for (std::thread& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

}  // namespace

CapacityResult capacity_search(const std::function<Summary(double)>& evaluate, const std::vector<Objective>& objectives,
                               const CapacityOptions& o) {
  if (objectives.empty()) throw ConfigError("capacity: give at least one objective (--slo KEY=BOUND)");
  if (!(o.low > 0) || !(o.high > o.low)) {
    throw ConfigError(fmt::format("capacity: need 0 < --low < --high, got {} and {}", o.low, o.high));
  }
  if (!(o.tolerance > 0 && o.tolerance < 1)) throw ConfigError("capacity: --tolerance must be in (0, 1)");
  if (o.jobs < 1 || o.jobs > 256) throw ConfigError("capacity: --jobs must be in [1, 256]");
  if (o.max_points < 2) throw ConfigError("capacity: --max-points must be at least 2");
  CapacityResult r;
  const auto record = [&](const std::vector<CapacityPoint>& points) {
    for (const CapacityPoint& p : points) {
      r.points.push_back(p);
      if (p.meets && p.rate > r.met) r.met = p.rate;
    }
    // Latency that is not monotone in the rate: the bracket is above the highest rate that met.
    r.missed = 0;
    for (const CapacityPoint& p : r.points)
      if (!p.meets && p.rate > r.met && (r.missed == 0 || p.rate < r.missed)) r.missed = p.rate;
  };
  // The bracket's ends first (together), then the high end doubled while it meets.
  record(simulate_all(evaluate, objectives, {o.low, o.high}));
  if (r.met == 0) return r;  // even the lowest rate misses
  double high = o.high;
  while (r.missed == 0 && static_cast<int>(r.points.size()) < o.max_points && high < o.low * (1 << 20)) {
    high *= 2;
    record(simulate_all(evaluate, objectives, {high}));
  }
  while (r.missed > 0 && (r.missed - r.met) / r.missed > o.tolerance &&
         static_cast<int>(r.points.size()) < o.max_points) {
    const int k = std::min(o.jobs, o.max_points - static_cast<int>(r.points.size()));
    std::vector<double> rates;
    for (int i = 1; i <= k; ++i) rates.push_back(r.met + (r.missed - r.met) * i / (k + 1));
    record(simulate_all(evaluate, objectives, rates));
  }
  return r;
}

}  // namespace orrery::run
