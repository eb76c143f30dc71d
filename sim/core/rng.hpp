// Named random streams. Each component draws from its own stream, derived from
// the scenario seed and the stream's name, so adding a component never shifts
// the numbers another one draws. The generator (xoshiro256**, Blackman & Vigna
// 2018) and the distributions are written here rather than taken from <random>,
// whose distributions differ between standard libraries: the same seed gives the
// same numbers on every machine.
#pragma once

#include <cstdint>
#include <string_view>

namespace orrery {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Exponential with the given mean, by inversion: -mean * ln(1 - U).
  double exponential(double mean);
  // Weibull with shape k and scale lambda, by inversion: lambda * (-ln(1 - U))^(1/k).
  double weibull(double shape, double scale);
  // Standard normal, by Box–Muller (one of the pair; the other is dropped).
  double normal();
  // Gamma with shape k > 0 and scale theta (mean k·theta): Marsaglia and
  // Tsang (2000) for k >= 1; for k < 1, Gamma(k + 1) · U^(1/k) (their §6).
  double gamma(double shape, double scale);
  // Uniform integer in [0, n), without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t s_[4];
};

// splitmix64 (Steele et al. 2014): a bijective mixer, used to seed and derive streams.
std::uint64_t splitmix64(std::uint64_t& state);

class RngStreams {
 public:
  explicit RngStreams(std::uint64_t seed) : seed_(seed) {}
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  // The stream for `name`: the same (seed, name) always gives the same stream.
  [[nodiscard]] Rng stream(std::string_view name) const;
  [[nodiscard]] Rng stream(std::string_view name, std::uint64_t index) const;

 private:
  std::uint64_t seed_;
};

}  // namespace orrery
