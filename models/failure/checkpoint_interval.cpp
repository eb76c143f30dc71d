#include "models/failure/checkpoint_interval.hpp"

#include <fmt/format.h>

#include <cmath>

#include "sim/core/error.hpp"
#include "sim/core/units.hpp"

namespace orrery::models {

namespace {
void check(Duration checkpoint_cost, Duration mtbf) {
  if (checkpoint_cost <= Duration{}) {
    throw ValueError(fmt::format("the checkpoint cost must be positive, got {}", to_string(checkpoint_cost)));
  }
  if (mtbf <= Duration{}) throw ValueError(fmt::format("the MTBF must be positive, got {}", to_string(mtbf)));
}
}  // namespace

Duration young_interval(Duration checkpoint_cost, Duration mtbf) {
  check(checkpoint_cost, mtbf);
  return Duration::from_seconds(std::sqrt(2 * checkpoint_cost.seconds() * mtbf.seconds()));
}

Duration daly_interval(Duration checkpoint_cost, Duration mtbf) {
  check(checkpoint_cost, mtbf);
  const double delta = checkpoint_cost.seconds();
  const double m = mtbf.seconds();
  if (delta >= 2 * m) return mtbf;
  const double x = delta / (2 * m);
  return Duration::from_seconds(std::sqrt(2 * delta * m) * (1 + std::sqrt(x) / 3 + x / 9) - delta);
}

}  // namespace orrery::models
