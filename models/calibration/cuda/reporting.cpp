// Progress and --verify lines on stderr, shared by the families (family.hpp).
// stdout stays empty: the table goes to the --out file.
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

void report_row(std::string_view family, const Row& row) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(family.size()), family.data(), row.str().c_str());
}

bool report_check(std::string_view what, double error, double tolerance) {
  const bool ok = error <= tolerance;  // false for NaN
  std::fprintf(stderr, "verify %.*s: error %.3g (tolerance %.3g) %s\n", static_cast<int>(what.size()),
               what.data(), error, tolerance, ok ? "ok" : "FAILED");
  return ok;
}

std::string rate(double per_second, std::string_view unit) {
  constexpr std::array<const char*, 6> kPrefixes{"", "k", "M", "G", "T", "P"};
  std::size_t p = 0;
  while (p + 1 < kPrefixes.size() && std::abs(per_second) >= 1000.0) {
    per_second /= 1000.0;
    ++p;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.4g", per_second);
  return std::string(buf.data()) + " " + kPrefixes[p] + std::string(unit);
}

}  // namespace orrery::models::calibration
