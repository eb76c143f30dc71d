// The summary on stdout: one JSON object (with --json) or a short table.
#include <fmt/format.h>

#include <cmath>
#include <type_traits>

#include "sim/trace/writers.hpp"

namespace orrery::trace {

namespace {

// 17 significant digits round-trip any double; integers print as integers.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.17g}", v);
}

std::string json_value(const Summary::Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return json_number(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return fmt::format("{}", v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return json_quote(v);
        } else {
          std::string out = "[";
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out += ',';
            out += json_number(v[i]);
          }
          return out + "]";
        }
      },
      value);
}

std::string human_value(const Summary::Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return fmt::format("{:.6g}", v);
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>) {
          return fmt::format("{}", v);
        } else {
          std::string out;
          for (std::size_t i = 0; i < v.size(); ++i) out += fmt::format("{}{:.4g}", i ? " " : "", v[i]);
          return out;
        }
      },
      value);
}

}  // namespace

void write_summary_json(std::ostream& out, const Summary& s, double wall_s) {
  out << "{";
  bool first = true;
  for (const auto& [k, v] : s.entries()) {
    out << (first ? "" : ",") << json_quote(k) << ":" << json_value(v);
    first = false;
  }
  out << (first ? "" : ",") << "\"wall_s\":" << json_number(wall_s) << "}\n";
}

void write_summary_table(std::ostream& out, const Summary& s, double wall_s) {
  std::size_t width = 6;
  for (const auto& [k, v] : s.entries()) width = std::max(width, k.size());
  for (const auto& [k, v] : s.entries()) out << fmt::format("{:<{}}  {}\n", k, width, human_value(v));
  out << fmt::format("{:<{}}  {:.3g}\n", "wall_s", width, wall_s);
}

}  // namespace orrery::trace
