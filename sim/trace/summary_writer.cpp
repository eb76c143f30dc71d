// The summary on stdout: one JSON object (with --json) or a short table.
#include <fmt/format.h>

#include <cmath>
#include <string_view>
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

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}
bool has(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// What a key's values are, from its name (the units live in the suffixes).
enum class Unit { kPlain, kBytes, kSeconds, kRate, kFlopRate, kFlops, kCount, kFraction };
Unit unit_of(std::string_view key) {
  if (ends_with(key, "_bytes") || has(key, "_bytes_")) return Unit::kBytes;
  if (key == "tflops_per_device") return Unit::kFlopRate;
  if (ends_with(key, "_flops")) return Unit::kFlops;
  if (key == "parameters") return Unit::kCount;
  if (ends_with(key, "_per_s") || ends_with(key, "_rps")) return Unit::kRate;
  if (key == "slo_attainment" || has(key, "_utilization")) return Unit::kFraction;
  if (ends_with(key, "_fraction") || has(key, "_fraction_") || key == "mfu" || key == "hfu" || key == "goodput" ||
      has(key, "goodput_"))
    return Unit::kFraction;
  if (ends_with(key, "_s") || has(key, "_s_")) return Unit::kSeconds;
  return Unit::kPlain;
}

std::string scaled(double v, const char* const* units, int n, double step, int first = 0) {
  int i = first;
  while (i + 1 < n && std::abs(v) >= step) {
    v /= step;
    ++i;
  }
  return fmt::format("{:.3g} {}", v, units[i]);
}

std::string with_unit(Unit u, double v) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  switch (u) {
    case Unit::kBytes: {
      static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
      return scaled(v, kUnits, 6, 1024);
    }
    case Unit::kSeconds: {
      const double a = std::abs(v);
      if (a == 0) return "0 s";
      if (a < 1e-6) return fmt::format("{:.3g} ns", v * 1e9);
      if (a < 1e-3) return fmt::format("{:.3g} us", v * 1e6);
      if (a < 1) return fmt::format("{:.3g} ms", v * 1e3);
      if (a < 3600) return fmt::format("{:.3g} s", v);
      if (a < 2 * 86400) return fmt::format("{:.3g} h", v / 3600);
      return fmt::format("{:.3g} days", v / 86400);
    }
    case Unit::kRate: {
      static const char* const kUnits[] = {"/s", "k/s", "M/s", "G/s", "T/s"};
      return scaled(v, kUnits, 5, 1000);
    }
    case Unit::kFlopRate:
      return fmt::format("{:.4g} TFLOP/s", v);
    case Unit::kFlops: {
      static const char* const kUnits[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"};
      return scaled(v, kUnits, 7, 1000);
    }
    case Unit::kCount: {
      static const char* const kUnits[] = {"", "k", "M", "G", "T"};
      return scaled(v, kUnits, 5, 1000);
    }
    case Unit::kFraction:
      return fmt::format("{:.4g} ({:.1f}%)", v, 100 * v);
    case Unit::kPlain:
      break;
  }
  return fmt::format("{:.6g}", v);
}

// A value for people: with its unit, rounded; long lists cut in the middle
// (--json keeps every digit of every value).
std::string human_value(std::string_view key, const Summary::Value& value) {
  const Unit u = unit_of(key);
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return with_unit(u, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return u == Unit::kPlain ? fmt::format("{}", v) : with_unit(u, static_cast<double>(v));
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          constexpr std::size_t kShown = 8;  // longer lists show their first six and last two
          const Unit each = u == Unit::kFraction ? Unit::kPlain : u;  // percents would crowd a list
          std::string out;
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (v.size() > kShown && i == kShown - 2) {  // the first six, then the last two
              out += fmt::format(", ... ({} values)", v.size());
              i = v.size() - 2;
            }
            out += fmt::format("{}{}", out.empty() ? "" : ", ", with_unit(each, v[i]));
          }
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
  for (const auto& [k, v] : s.entries()) out << fmt::format("{:<{}}  {}\n", k, width, human_value(k, v));
  out << fmt::format("{:<{}}  {}\n", "wall_s", width, with_unit(Unit::kSeconds, wall_s));
}

}  // namespace orrery::trace
