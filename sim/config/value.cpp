#include "sim/config/value.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "sim/core/error.hpp"

namespace orrery::config::detail {

std::string describe_node(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", n.Scalar());
    default: return "an undefined value";
  }
}

std::string scalar_or_throw(const YAML::Node& n, const char* what) {
  if (!n.IsScalar()) throw ValueError(fmt::format("expected {}, found {}", what, describe_node(n)));
  return n.Scalar();
}

}  // namespace orrery::config::detail

namespace orrery::config {

bool Value<bool>::parse(const YAML::Node& n) {
  const std::string s = detail::scalar_or_throw(n, "a boolean (true or false)");
  if (s == "true") return true;
  if (s == "false") return false;
  throw ValueError(fmt::format("expected a boolean (true or false), found '{}'", s));
}

std::int64_t Value<std::int64_t>::parse(const YAML::Node& n) {
  const std::string s = detail::scalar_or_throw(n, "an integer");
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    throw ValueError(fmt::format("expected an integer, found '{}'", s));
  }
  return v;
}

int Value<int>::parse(const YAML::Node& n) {
  const std::int64_t v = Value<std::int64_t>::parse(n);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    throw ValueError(fmt::format("{} is out of the integer range", v));
  }
  return static_cast<int>(v);
}

AutoInt Value<AutoInt>::parse(const YAML::Node& n) {
  if (n.IsScalar() && n.Scalar() == "auto") return AutoInt{};
  try {
    return AutoInt{Value<int>::parse(n)};
  } catch (const ValueError&) {
    throw ValueError(fmt::format("expected an integer or auto, found {}", detail::describe_node(n)));
  }
}

double Value<double>::parse(const YAML::Node& n) {
  const std::string s = detail::scalar_or_throw(n, "a number");
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    throw ValueError(fmt::format("expected a number, found '{}'", s));
  }
  return v;
}

YAML::Node Value<double>::emit(double v) { return YAML::Node(fmt::format("{}", v)); }

}  // namespace orrery::config
