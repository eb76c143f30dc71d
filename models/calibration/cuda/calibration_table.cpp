// Formatting of the calibration table (see calibration_table.hpp). Plain
// snprintf/fprintf: the CUDA program needs no YAML library.
#include "models/calibration/cuda/calibration_table.hpp"

#include <array>
#include <cmath>
#include <cstdlib>

namespace orrery::models::calibration {

namespace {

// `value` with at most six significant digits, no exponent, no trailing zeros.
std::string six_digits(double value) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.6g", value);
  return buf.data();
}

}  // namespace

std::string format_time(double seconds) {
  struct Unit {
    const char* name;
    double scale;
  };
  constexpr std::array kUnits{Unit{"ns", 1e9}, Unit{"us", 1e6}, Unit{"ms", 1e3}, Unit{"s", 1.0}};
  for (const Unit& u : kUnits) {
    const double v = seconds * u.scale;
    // Rounding to six digits can carry into the next unit ("999.9999 us" -> "1000 us").
    if (std::strtod(six_digits(v).c_str(), nullptr) < 1000.0 || u.scale == 1.0) {
      return six_digits(v) + " " + u.name;
    }
  }
  return six_digits(seconds) + " s";
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr std::array kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (unit + 1 < kUnits.size() && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + kUnits[unit];
}

std::string yaml_quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';  // control characters have no business in provenance strings
    } else {
      out += c;
    }
  }
  return out + "\"";
}

Row& Row::add(std::string key, std::string_view plain_value) {
  fields_.emplace_back(std::move(key), std::string(plain_value));
  return *this;
}

Row& Row::add(std::string key, std::int64_t value) {
  return add(std::move(key), std::to_string(value));
}

Row& Row::add(std::string key, bool value) {
  return add(std::move(key), std::string_view(value ? "true" : "false"));
}

Row& Row::add_time(double seconds) {
  return add("time", yaml_quoted(format_time(seconds)));
}

Row& Row::comment(std::string text) {
  comment_ = std::move(text);
  return *this;
}

std::string Row::str() const {
  std::string out = "{ ";
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i > 0) out += ", ";
    out += fields_[i].first + ": " + fields_[i].second;
  }
  out += " }";
  if (!comment_.empty()) out += "  # " + comment_;
  return out;
}

std::size_t Section::rows() const {
  std::size_t n = 0;
  for (const Line& l : lines_) n += l.note.empty() ? 1 : 0;
  return n;
}

void Section::skip(std::string shape, std::string reason) {
  note(shape + " skipped: " + reason);
  skipped_.push_back({std::move(shape), std::move(reason)});
}

void Section::write(std::FILE* out) const {
  std::fprintf(out, "%s:%s\n", name_.c_str(), rows() == 0 ? " []" : "");
  for (const Line& l : lines_) {
    if (l.note.empty()) {
      std::fprintf(out, "  - %s\n", l.row.str().c_str());
    } else {
      std::fprintf(out, "  # %s\n", l.note.c_str());
    }
  }
}

void write_table(std::FILE* out, std::string_view device, const Provenance& p,
                 const std::vector<Section>& sections) {
  std::fprintf(out, "format: orrery-calibration/1\n");
  std::fprintf(out, "device: %.*s\n", static_cast<int>(device.size()), device.data());
  std::fprintf(out, "provenance:\n");
  std::fprintf(out, "  kind: measured\n");
  std::fprintf(out, "  gpu: %s\n", yaml_quoted(p.gpu).c_str());
  std::fprintf(out, "  driver: %s", yaml_quoted(p.driver).c_str());
  if (!p.driver_release.empty()) std::fprintf(out, "  # NVIDIA driver %s", p.driver_release.c_str());
  std::fprintf(out, "\n");
  std::fprintf(out, "  cuda_runtime: %s\n", yaml_quoted(p.cuda_runtime).c_str());
  std::fprintf(out, "  clocks: %s\n", yaml_quoted(p.clocks).c_str());
  std::fprintf(out, "  date: %s\n", yaml_quoted(p.date).c_str());
  std::fprintf(out, "  command: %s\n", yaml_quoted(p.command).c_str());
  for (const Section& s : sections) s.write(out);
  bool any = false;
  for (const Section& s : sections) {
    for (const Skipped& k : s.skipped()) {
      if (!any) std::fprintf(out, "skipped:\n");
      any = true;
      std::fprintf(out, "  - { family: %s, shape: %s, reason: %s }\n", s.name().c_str(), yaml_quoted(k.shape).c_str(),
                   yaml_quoted(k.reason).c_str());
    }
  }
}

}  // namespace orrery::models::calibration
