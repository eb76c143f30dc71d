#include "sim/core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include "sim/core/error.hpp"

namespace orrery {

namespace {

struct Unit {
  std::string_view name;
  double scale;  // base units per one of this unit
};

// Every unit table lists the units a parser accepts. The printer prefers the
// entries marked in `print_order` (a subset, largest first).
constexpr std::array kByteUnits{
    Unit{"B", 1},         Unit{"kB", 1e3},  Unit{"KB", 1e3},  Unit{"MB", 1e6},     Unit{"GB", 1e9},
    Unit{"TB", 1e12},     Unit{"PB", 1e15}, Unit{"KiB", 1024.0}, Unit{"MiB", 1048576.0},
    Unit{"GiB", 1073741824.0}, Unit{"TiB", 1099511627776.0}, Unit{"PiB", 1125899906842624.0}};
constexpr std::array kBandwidthUnits{
    Unit{"b/s", 0.125},     Unit{"kb/s", 125.0},    Unit{"Mb/s", 125e3},   Unit{"Gb/s", 125e6},
    Unit{"Tb/s", 125e9},    Unit{"B/s", 1},         Unit{"kB/s", 1e3},     Unit{"KB/s", 1e3},
    Unit{"MB/s", 1e6},      Unit{"GB/s", 1e9},      Unit{"TB/s", 1e12},    Unit{"KiB/s", 1024.0},
    Unit{"MiB/s", 1048576.0}, Unit{"GiB/s", 1073741824.0}, Unit{"TiB/s", 1099511627776.0},
    // Bits as network datasheets also write them.
    Unit{"bit/s", 0.125},   Unit{"kbit/s", 125.0},  Unit{"Mbit/s", 125e3}, Unit{"Gbit/s", 125e6},
    Unit{"Tbit/s", 125e9},  Unit{"bps", 0.125},     Unit{"kbps", 125.0},   Unit{"Mbps", 125e3},
    Unit{"Gbps", 125e6},    Unit{"Tbps", 125e9},
    // Bytes as storage and GPU datasheets also write them (the capital B is the byte).
    Unit{"kBps", 1e3},      Unit{"KBps", 1e3},      Unit{"MBps", 1e6},     Unit{"GBps", 1e9},
    Unit{"TBps", 1e12}};
constexpr std::array kTimeUnits{Unit{"ns", 1},        Unit{"us", 1e3},        Unit{"µs", 1e3},
                                Unit{"ms", 1e6},      Unit{"s", 1e9},         Unit{"min", 60e9},
                                Unit{"h", 3600e9},    Unit{"d", 86400e9}};
constexpr std::array kFlopUnits{Unit{"FLOP", 1},    Unit{"kFLOP", 1e3},  Unit{"MFLOP", 1e6}, Unit{"GFLOP", 1e9},
                                Unit{"TFLOP", 1e12}, Unit{"PFLOP", 1e15}, Unit{"EFLOP", 1e18}};
constexpr std::array kFlopRateUnits{Unit{"FLOP/s", 1},     Unit{"kFLOP/s", 1e3},  Unit{"MFLOP/s", 1e6},
                                    Unit{"GFLOP/s", 1e9},  Unit{"TFLOP/s", 1e12}, Unit{"PFLOP/s", 1e15},
                                    Unit{"EFLOP/s", 1e18}, Unit{"OP/s", 1},         Unit{"GOP/s", 1e9},
                                    Unit{"TOP/s", 1e12},   Unit{"POP/s", 1e15},
                                    // As vendor datasheets write them (NVIDIA: "TFLOPS", "TOPS").
                                    Unit{"FLOPS", 1},      Unit{"GFLOPS", 1e9},   Unit{"TFLOPS", 1e12},
                                    Unit{"PFLOPS", 1e15},  Unit{"EFLOPS", 1e18},  Unit{"OPS", 1},
                                    Unit{"GOPS", 1e9},     Unit{"TOPS", 1e12},    Unit{"POPS", 1e15}};
constexpr std::array kPowerUnits{Unit{"mW", 1e-3}, Unit{"W", 1}, Unit{"kW", 1e3}, Unit{"MW", 1e6}};
constexpr std::array kFrequencyUnits{Unit{"Hz", 1}, Unit{"kHz", 1e3}, Unit{"MHz", 1e6}, Unit{"GHz", 1e9}};

constexpr std::array<std::string_view, 9> kBytePrint{"PiB", "PB", "TiB", "TB", "GiB", "GB", "MiB", "MB", "KiB"};
constexpr std::array<std::string_view, 7> kBandwidthPrint{"TB/s", "GB/s", "GiB/s", "Gb/s", "MB/s", "Mb/s", "kB/s"};
constexpr std::array<std::string_view, 7> kTimePrint{"d", "h", "min", "s", "ms", "us", "ns"};

template <std::size_t N>
std::string unit_names(const std::array<Unit, N>& units) {
  std::string out;
  for (const auto& u : units) {
    if (!out.empty()) out += ", ";
    out += u.name;
  }
  return out;
}

// Splits "12.5 GB/s" into 12.5 and "GB/s" and scales by the unit's factor.
template <std::size_t N>
double parse_with(std::string_view text, const std::array<Unit, N>& units, std::string_view what,
                  std::string_view example) {
  const auto not_space = [](char c) { return c != ' ' && c != '\t'; };
  while (!text.empty() && !not_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && !not_space(text.back())) text.remove_suffix(1);
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || !std::isfinite(value)) {
    throw ValueError(fmt::format("cannot read '{}' as {}; expected e.g. \"{}\"", text, what, example));
  }
  std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  while (!unit.empty() && !not_space(unit.front())) unit.remove_prefix(1);
  if (unit.empty()) {
    throw ValueError(fmt::format("'{}' has no unit; {} needs one, e.g. \"{}\"", text, what, example));
  }
  for (const auto& u : units) {
    if (u.name != unit) continue;
    const double scaled = value * u.scale;  // 1e308 TB/s overflows to inf
    if (!std::isfinite(scaled)) throw ValueError(fmt::format("'{}' is too large to represent", text));
    return scaled;
  }
  throw ValueError(fmt::format("cannot read '{}' as {}: unknown unit '{}' (valid: {}); expected e.g. \"{}\"", text,
                               what, unit, unit_names(units), example));
}

template <std::size_t N>
double scale_of(const std::array<Unit, N>& units, std::string_view name) {
  for (const auto& u : units)
    if (u.name == name) return u.scale;
  return 1;
}

// The shortest "%.{p}g" rendering (p <= 6) of v that reads back as v within
// `tolerance` (relative); exact is preferred, so try p = 1..6 then fall back to 6.
// Exponent forms ("8e+01") are skipped: people write "80 GiB".
std::string short_number(double v, double tolerance = 1e-12) {
  for (int p = 1; p <= 6; ++p) {
    std::string s = fmt::format("{:.{}g}", v, p);
    if (s.find('e') != std::string::npos) continue;
    double back = std::strtod(s.c_str(), nullptr);
    if (std::fabs(back - v) <= tolerance * std::fabs(v)) return s;
  }
  return fmt::format("{:.6g}", v);
}

// Picks, from `order` (largest first), the first unit in which the value is
// >= 1 and exact in six digits; else the first in which it is >= 1; else the
// smallest.
template <std::size_t N, std::size_t M>
std::string print_with(double base, const std::array<Unit, N>& units,
                       const std::array<std::string_view, M>& order, std::string_view smallest) {
  if (base == 0) return fmt::format("0 {}", smallest);
  for (auto name : order) {
    const double x = base / scale_of(units, name);
    if (std::fabs(x) < 1) continue;
    const std::string s = fmt::format("{:.6g}", x);
    if (std::fabs(std::strtod(s.c_str(), nullptr) - x) <= 1e-12 * std::fabs(x))
      return fmt::format("{} {}", short_number(x), name);
  }
  for (auto name : order) {
    const double x = base / scale_of(units, name);
    if (std::fabs(x) >= 1) return fmt::format("{} {}", short_number(x, 1e-6), name);
  }
  return fmt::format("{} {}", short_number(base / scale_of(units, smallest), 1e-6), smallest);
}

}  // namespace

Duration transfer_time(Bytes b, Bandwidth bw) {
  return Duration::ceil_ns(static_cast<double>(b.count()) * 1e9 / bw.bytes_per_s());
}

Duration compute_time(Flops f, FlopRate r) {
  return Duration::ceil_ns(f.count() * 1e9 / r.per_s());
}

Duration Duration::from_seconds(double seconds) { return Duration(std::llround(seconds * 1e9)); }

Duration Duration::ceil_ns(double ns) {
  constexpr double kClock = 4611686018427387904.0;  // 2^62
  if (!(ns > -kClock && ns < kClock)) {
    throw ValueError(fmt::format("a duration of {:.3g} s is beyond orrery's clock (2^62 ns, about 146 years)", ns * 1e-9));
  }
  // The ceiling by truncation (no libm call on baseline x86-64, which has no
  // rounding instruction): within ±2^62 the conversion is exact for whole
  // numbers and truncates toward zero otherwise, which is the ceiling below
  // zero and one short of it above.
  const auto whole = static_cast<std::int64_t>(ns);
  return Duration(static_cast<double>(whole) < ns ? whole + 1 : whole);
}

Bytes parse_bytes(std::string_view text) {
  const double v = parse_with(text, kByteUnits, "a size in bytes", "80 GiB");
  if (std::fabs(v) > 9.2e18) throw ValueError(fmt::format("'{}' is too large a size", text));
  return Bytes(std::llround(v));
}

Bandwidth parse_bandwidth(std::string_view text) {
  return Bandwidth::bytes_per_s(parse_with(text, kBandwidthUnits, "a bandwidth", "200 Gb/s"));
}

Duration parse_duration(std::string_view text) {
  const double v = parse_with(text, kTimeUnits, "a duration", "1.5 us");
  if (std::fabs(v) > 9.2e18) throw ValueError(fmt::format("'{}' is too long a duration", text));
  return Duration::ns(std::llround(v));
}

Flops parse_flops(std::string_view text) { return Flops(parse_with(text, kFlopUnits, "a FLOP count", "3.1 TFLOP")); }

FlopRate parse_flop_rate(std::string_view text) {
  return FlopRate::per_s(parse_with(text, kFlopRateUnits, "a compute rate", "989 TFLOP/s"));
}

Frequency parse_frequency(std::string_view text) {
  return Frequency::hz(parse_with(text, kFrequencyUnits, "a frequency", "1.41 GHz"));
}

Power parse_power(std::string_view text) { return Power::watts(parse_with(text, kPowerUnits, "a power", "700 W")); }

std::string to_string(Bytes b) {
  const auto n = b.count();
  if (n > -1024 && n < 1024) return fmt::format("{} B", n);
  return print_with(static_cast<double>(n), kByteUnits, kBytePrint, "B");
}

std::string to_string(Bandwidth bw) { return print_with(bw.bytes_per_s(), kBandwidthUnits, kBandwidthPrint, "B/s"); }

std::string to_string(Duration d) {
  // Exact integer counts first (e.g. "90 min", "1500 us" is shown as "1.5 ms").
  return print_with(static_cast<double>(d.count()), kTimeUnits, kTimePrint, "ns");
}

std::string to_string(Flops f) {
  constexpr std::array<std::string_view, 6> order{"EFLOP", "PFLOP", "TFLOP", "GFLOP", "MFLOP", "kFLOP"};
  return print_with(f.count(), kFlopUnits, order, "FLOP");
}

std::string to_string(FlopRate r) {
  constexpr std::array<std::string_view, 6> order{"EFLOP/s", "PFLOP/s", "TFLOP/s", "GFLOP/s", "MFLOP/s", "kFLOP/s"};
  return print_with(r.per_s(), kFlopRateUnits, order, "FLOP/s");
}

std::string to_string(Power p) {
  constexpr std::array<std::string_view, 3> order{"MW", "kW", "W"};
  return print_with(p.watts(), kPowerUnits, order, "mW");
}

std::string to_string(Frequency f) {
  constexpr std::array<std::string_view, 3> order{"GHz", "MHz", "kHz"};
  return print_with(f.hz(), kFrequencyUnits, order, "Hz");
}

}  // namespace orrery
