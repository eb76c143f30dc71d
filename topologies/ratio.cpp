#include "topologies/ratio.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "sim/core/error.hpp"

namespace orrery::config {

namespace {
bool number(std::string_view s, double& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out);
}
}  // namespace

topo::Ratio Value<topo::Ratio>::parse(const YAML::Node& n) {
  const std::string s = detail::scalar_or_throw(n, "a ratio");
  double v = 0;
  if (number(s, v)) return {v};
  const auto sep = s.find_first_of(":/");
  double a = 0, b = 0;
  if (sep != std::string::npos && number(std::string_view(s).substr(0, sep), a) &&
      number(std::string_view(s).substr(sep + 1), b) && b != 0) {
    return {a / b};
  }
  throw ValueError(fmt::format("expected a ratio such as 2, 1.5 or \"4:3\", found '{}'", s));
}

YAML::Node Value<topo::Ratio>::emit(const topo::Ratio& v) {
  return YAML::Node(fmt::format("{}", v.value));
}

}  // namespace orrery::config
