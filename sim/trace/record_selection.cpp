#include "sim/trace/record_selection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "sim/core/error.hpp"
#include "sim/core/units.hpp"

namespace orrery::trace {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    const std::size_t end = text.find(sep, at);
    out.push_back(text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
    if (end == std::string_view::npos) return out;
    at = end + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

constexpr std::int32_t kMaxDevice = 1 << 24;  // far beyond any cluster; bounds the list a range expands to

std::int32_t device_id(std::string_view text, std::string_view whole) {
  std::int32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < 0 || v >= kMaxDevice) {
    throw ValueError(
        fmt::format("'{}' is not a device id in '{}'; expected all, representative, or ids and ranges "
                    "such as 0-63 or 0,8,16-23",
                    text, whole));
  }
  return v;
}

std::string ns_text(std::int64_t ns) {
  return to_string(Duration::ns(ns));
}

}  // namespace

void parse_record_devices(std::string_view text, RecordSelection& out) {
  out.list.clear();
  if (text == "all") {
    out.devices = RecordSelection::Devices::kAll;
    return;
  }
  if (text == "representative") {
    out.devices = RecordSelection::Devices::kRepresentative;
    return;
  }
  for (const std::string_view item : split(text, ',')) {
    const std::size_t dash = item.find('-');
    const std::int32_t first = device_id(trim(item.substr(0, dash)), text);
    const std::int32_t last =
        dash == std::string_view::npos ? first : device_id(trim(item.substr(dash + 1)), text);
    if (last < first) throw ValueError(fmt::format("range '{}' ends before it starts", item));
    for (std::int32_t d = first; d <= last; ++d) out.list.push_back(d);
  }
  std::sort(out.list.begin(), out.list.end());
  out.list.erase(std::unique(out.list.begin(), out.list.end()), out.list.end());
  out.devices = RecordSelection::Devices::kList;
}

void parse_record_window(std::string_view text, RecordSelection& out) {
  const auto parts = split(text, ',');
  if (parts.size() != 2) {
    throw ValueError(
        fmt::format("'{}' is not a window; expected FROM,TO such as 0s,2s (either end may be empty)", text));
  }
  const std::string_view from = trim(parts[0]), to = trim(parts[1]);
  out.from = from.empty() ? 0 : parse_duration(from).count();
  out.to = to.empty() ? std::numeric_limits<std::int64_t>::max() : parse_duration(to).count();
  if (out.from < 0)
    throw ValueError(fmt::format("the window starts before time zero ({})", ns_text(out.from)));
  if (out.to <= out.from) {
    throw ValueError(
        fmt::format("the window ends ({}) at or before it starts ({})", ns_text(out.to), ns_text(out.from)));
  }
}

void parse_record_kinds(std::string_view text, RecordSelection& out) {
  out.spans = out.counters = false;
  for (const std::string_view k : split(text, ',')) {
    if (trim(k) == "spans") {
      out.spans = true;
    } else if (trim(k) == "counters") {
      out.counters = true;
    } else {
      throw ValueError(fmt::format("unknown kind '{}'; valid: spans, counters (comma-separated)", k));
    }
  }
}

void parse_record_links(std::string_view text, RecordSelection& out) {
  const std::int64_t bin = parse_duration(text).count();
  if (bin < 1000) throw ValueError(fmt::format("the bin must be at least 1 us, got {} ns", bin));
  out.link_bin = bin;
}

std::string device_ranges(const std::vector<std::int32_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += i == j ? fmt::format("{}", ids[i]) : fmt::format("{}-{}", ids[i], ids[j]);
    i = j + 1;
  }
  return out;
}

std::string RecordSelection::describe() const {
  std::string d = devices == Devices::kAll ? "all" : device_ranges(list);
  if (devices == Devices::kRepresentative)
    d = list.empty() ? "all (representative: no replicas)" : d + " (representative)";
  const std::string window = fmt::format(
      "{} to {}", ns_text(from), to == std::numeric_limits<std::int64_t>::max() ? "end" : ns_text(to));
  std::string kinds = spans && counters ? "spans, counters"
                      : spans           ? "spans"
                      : counters        ? "counters"
                                        : "nothing";
  if (link_bin > 0) kinds += fmt::format("; link load in bins of {}", ns_text(link_bin));
  return fmt::format("devices {}; window {}; {}", d, window, kinds);
}

SelectionFilter::SelectionFilter(const RecordSelection& s, int devices)
    : all_(s.devices == RecordSelection::Devices::kAll ||
           (s.devices == RecordSelection::Devices::kRepresentative && s.list.empty())),
      from_(s.from),
      to_(s.to),
      spans_(s.spans),
      counters_(s.counters) {
  if (all_) return;
  devices_.assign(static_cast<std::size_t>(std::max(devices, 0)), false);
  for (const std::int32_t d : s.list) {
    if (d >= devices) {
      throw ConfigError(fmt::format("--record-devices: device {} is outside the cluster's {} devices (0-{})",
                                    d, devices, devices - 1));
    }
    devices_[static_cast<std::size_t>(d)] = true;
  }
}

}  // namespace orrery::trace
