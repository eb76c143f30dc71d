// Simulated time: integer nanoseconds in strong types, so that the clock never
// accumulates floating-point error and events order the same on every machine.
// `Time` is a point on the simulated clock, `Duration` the distance between two.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace orrery {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration ns(std::int64_t n) { return Duration(n); }
  static constexpr Duration us(std::int64_t n) { return Duration(n * 1'000); }
  static constexpr Duration ms(std::int64_t n) { return Duration(n * 1'000'000); }
  static constexpr Duration s(std::int64_t n) { return Duration(n * 1'000'000'000); }
  // Rounds to the nearest nanosecond; for results of cost models given in seconds.
  static Duration from_seconds(double seconds);
  // `ns` rounded up to whole nanoseconds, for results of cost models; a
  // ValueError when it is not a number or lies beyond the clock's ±2^62 ns
  // (146 years), which the cast to an integer could not hold.
  static Duration ceil_ns(double ns);
  static constexpr Duration max() { return Duration(std::numeric_limits<std::int64_t>::max()); }

  [[nodiscard]] constexpr std::int64_t count() const { return ns_; }
  [[nodiscard]] constexpr double seconds() const { return static_cast<double>(ns_) * 1e-9; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(std::int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration& operator+=(Duration o) { ns_ += o.ns_; return *this; }
  constexpr Duration& operator-=(Duration o) { ns_ -= o.ns_; return *this; }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(std::int64_t n) : ns_(n) {}
  std::int64_t ns_ = 0;
};

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time zero() { return Time(); }
  static constexpr Time from_ns(std::int64_t n) { return Time(n); }
  static constexpr Time max() { return Time(std::numeric_limits<std::int64_t>::max()); }

  [[nodiscard]] constexpr std::int64_t ns() const { return ns_; }
  [[nodiscard]] constexpr double seconds() const { return static_cast<double>(ns_) * 1e-9; }

  constexpr Time operator+(Duration d) const { return Time(ns_ + d.count()); }
  constexpr Time operator-(Duration d) const { return Time(ns_ - d.count()); }
  constexpr Duration operator-(Time o) const { return Duration::ns(ns_ - o.ns_); }
  constexpr Time& operator+=(Duration d) { ns_ += d.count(); return *this; }
  constexpr auto operator<=>(const Time&) const = default;

 private:
  constexpr explicit Time(std::int64_t n) : ns_(n) {}
  std::int64_t ns_ = 0;
};

}  // namespace orrery
