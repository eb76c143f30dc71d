// A ratio read from a scenario: a plain number (`2`, `1.5`) or "a:b" / "a/b"
// (`"4:3"`), as oversubscription is usually written. Stored as a/b.
#pragma once

#include "sim/config/value.hpp"

namespace orrery::topo {

struct Ratio {
  double value = 1;
  auto operator<=>(const Ratio&) const = default;
};

}  // namespace orrery::topo

namespace orrery::config {

template <>
struct Value<topo::Ratio> {
  static topo::Ratio parse(const YAML::Node& n);
  static YAML::Node emit(const topo::Ratio& v);
  static std::string type() { return "ratio"; }
};

}  // namespace orrery::config
