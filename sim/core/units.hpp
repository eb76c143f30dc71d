// Value types for physical quantities, parsed from strings such as "200 Gb/s",
// "80 GiB", "1.5 us", "989 TFLOP/s", "1.41 GHz", "700 W" and printed back the
// same way. Integer operation rates ("624 TOP/s") read as compute rates: a
// roofline counts an int8 multiply-add like a floating-point one.
// A unit lives in a type (`Bandwidth link_bandwidth`), never in a variable name.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/core/time.hpp"

namespace orrery {

/// A count as a double, for cost arithmetic (exact below 2^53).
constexpr double real(std::int64_t v) {
  return static_cast<double>(v);
}

class Bytes {
 public:
  constexpr Bytes() = default;
  constexpr explicit Bytes(std::int64_t n) : n_(n) {}
  [[nodiscard]] constexpr std::int64_t count() const { return n_; }
  constexpr Bytes operator+(Bytes o) const { return Bytes(n_ + o.n_); }
  constexpr Bytes operator-(Bytes o) const { return Bytes(n_ - o.n_); }
  constexpr Bytes operator*(std::int64_t k) const { return Bytes(n_ * k); }
  constexpr Bytes& operator+=(Bytes o) { n_ += o.n_; return *this; }
  constexpr Bytes& operator-=(Bytes o) { n_ -= o.n_; return *this; }
  constexpr auto operator<=>(const Bytes&) const = default;

 private:
  std::int64_t n_ = 0;
};

// Bytes per second.
class Bandwidth {
 public:
  constexpr Bandwidth() = default;
  static constexpr Bandwidth bytes_per_s(double v) { return Bandwidth(v); }
  static constexpr Bandwidth gbit_per_s(double v) { return Bandwidth(v * 1e9 / 8); }
  [[nodiscard]] constexpr double bytes_per_s() const { return v_; }
  constexpr auto operator<=>(const Bandwidth&) const = default;

 private:
  constexpr explicit Bandwidth(double v) : v_(v) {}
  double v_ = 0;
};

// A count of floating-point operations.
class Flops {
 public:
  constexpr Flops() = default;
  constexpr explicit Flops(double v) : v_(v) {}
  [[nodiscard]] constexpr double count() const { return v_; }
  constexpr auto operator<=>(const Flops&) const = default;

 private:
  double v_ = 0;
};

// Floating-point operations per second.
class FlopRate {
 public:
  constexpr FlopRate() = default;
  static constexpr FlopRate per_s(double v) { return FlopRate(v); }
  [[nodiscard]] constexpr double per_s() const { return v_; }
  constexpr auto operator<=>(const FlopRate&) const = default;

 private:
  constexpr explicit FlopRate(double v) : v_(v) {}
  double v_ = 0;
};

// Watts.
class Power {
 public:
  constexpr Power() = default;
  static constexpr Power watts(double v) { return Power(v); }
  [[nodiscard]] constexpr double watts() const { return v_; }
  constexpr auto operator<=>(const Power&) const = default;

 private:
  constexpr explicit Power(double v) : v_(v) {}
  double v_ = 0;
};

class Frequency {
 public:
  constexpr Frequency() = default;
  static constexpr Frequency hz(double v) { return Frequency(v); }
  [[nodiscard]] constexpr double hz() const { return v_; }
  constexpr auto operator<=>(const Frequency&) const = default;

 private:
  constexpr explicit Frequency(double v) : v_(v) {}
  double v_ = 0;
};

// Time to push `b` through a pipe of bandwidth `bw`, rounded up to whole
// nanoseconds so that a transfer of one byte never takes zero time.
[[nodiscard]] Duration transfer_time(Bytes b, Bandwidth bw);
// Time to do `f` at rate `r`, rounded up to whole nanoseconds.
[[nodiscard]] Duration compute_time(Flops f, FlopRate r);

// Parsers: "<number> <unit>", the space optional. They throw ValueError with a
// message that names what was expected and shows an example.
[[nodiscard]] Bytes parse_bytes(std::string_view text);
[[nodiscard]] Bandwidth parse_bandwidth(std::string_view text);
[[nodiscard]] Duration parse_duration(std::string_view text);
[[nodiscard]] Flops parse_flops(std::string_view text);
[[nodiscard]] FlopRate parse_flop_rate(std::string_view text);
[[nodiscard]] Frequency parse_frequency(std::string_view text);
[[nodiscard]] Power parse_power(std::string_view text);

// Printers: the largest unit that shows the value exactly in at most six
// significant digits, so that parse(to_string(x)) == x for values people write.
[[nodiscard]] std::string to_string(Bytes b);
[[nodiscard]] std::string to_string(Bandwidth bw);
[[nodiscard]] std::string to_string(Duration d);
[[nodiscard]] std::string to_string(Flops f);
[[nodiscard]] std::string to_string(FlopRate r);
[[nodiscard]] std::string to_string(Frequency f);
[[nodiscard]] std::string to_string(Power p);

}  // namespace orrery
