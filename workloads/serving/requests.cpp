#include "workloads/serving/requests.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "workloads/csv_fields.hpp"

namespace orrery::workload::serving {

LengthDraw::LengthDraw(const LengthSpec& spec) : spec_(spec) {
  if (spec.kind != LengthSpec::Kind::kZipf) return;
  const std::int64_t n = spec.max - spec.min + 1;
  zipf_cdf_.resize(static_cast<std::size_t>(n));
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    total += std::pow(static_cast<double>(spec.min + i), -spec.exponent);
    zipf_cdf_[static_cast<std::size_t>(i)] = total;
  }
  for (double& c : zipf_cdf_) c /= total;
}

std::int64_t LengthDraw::operator()(Rng& rng) const {
  const auto clamp = [&](double v) {
    if (!(v >= static_cast<double>(spec_.min))) return spec_.min;  // also NaN
    if (v >= static_cast<double>(spec_.max)) return spec_.max;
    return static_cast<std::int64_t>(std::llround(v));
  };
  switch (spec_.kind) {
    case LengthSpec::Kind::kFixed:
      return spec_.tokens;
    case LengthSpec::Kind::kUniform:
      return spec_.min + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(spec_.max - spec_.min + 1)));
    case LengthSpec::Kind::kLognormal:
      return clamp(spec_.median * std::exp(spec_.sigma * rng.normal()));
    case LengthSpec::Kind::kZipf: {
      const double u = rng.uniform();
      const auto it = std::lower_bound(zipf_cdf_.begin(), zipf_cdf_.end(), u);
      return spec_.min + std::min<std::int64_t>(it - zipf_cdf_.begin(), spec_.max - spec_.min);
    }
  }
  return spec_.min;
}

namespace {

std::int32_t draw_priority(const std::vector<double>& shares, Rng& rng) {
  if (shares.empty()) return 0;
  double total = 0;
  for (const double s : shares) total += s;
  double u = rng.uniform() * total;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (u < shares[i]) return static_cast<std::int32_t>(i);
    u -= shares[i];
  }
  return static_cast<std::int32_t>(shares.size() - 1);
}

// Arrivals stop at 10^9 s (31 years), far inside the int64 ns clock.
constexpr double kMaxArrivalSeconds = 1e9;

[[noreturn]] void too_many(const RequestsSpec& spec) {
  throw ConfigError(spec.at, "workload.requests",
                    fmt::format("more than 2^24 = {} requests: lower the rate × duration, or give a count",
                                kMaxRequests));
}

bool keep_going(const RequestsSpec& spec, std::size_t n, Time t) {
  if (spec.count > 0 && static_cast<std::int64_t>(n) >= spec.count) return false;
  if (spec.duration > Duration{} && t - Time::zero() > spec.duration) return false;
  return true;
}

}  // namespace

RequestList generate_requests(const RequestsSpec& spec, std::uint64_t seed) {
  const RngStreams streams(seed);
  Rng gaps = streams.stream("serving.arrivals");
  Rng prompts = streams.stream("serving.prompt_tokens");
  Rng outputs = streams.stream("serving.output_tokens");
  Rng priorities = streams.stream("serving.priorities");
  const LengthDraw prompt(spec.prompt);
  const LengthDraw output(spec.output);
  const double mean_gap = 1.0 / spec.rate;
  // Gamma inter-arrivals with mean 1/rate and coefficient of variation cv:
  // shape 1/cv², scale cv²/rate.
  const double shape = 1.0 / (spec.cv * spec.cv);
  RequestList out;
  double t = 0;  // seconds, summed in double so that rounding does not drift
  while (true) {
    t += spec.arrival == Arrival::kGamma ? gaps.gamma(shape, mean_gap / shape) : gaps.exponential(mean_gap);
    if (t > kMaxArrivalSeconds) break;
    const Time at = Time::zero() + Duration::from_seconds(t);
    if (!keep_going(spec, out.requests.size(), at)) break;
    if (out.requests.size() >= static_cast<std::size_t>(kMaxRequests)) too_many(spec);
    Request r;
    r.arrival = at;
    r.prompt = static_cast<std::int32_t>(prompt(prompts));
    r.output = static_cast<std::int32_t>(output(outputs));
    r.priority = draw_priority(spec.priority_shares, priorities);
    out.requests.push_back(r);
  }
  return out;
}

namespace {

using Field = CsvField;

std::vector<Field> split(std::string_view line) { return split_csv_line(line); }

// "Request tokens" -> "requesttokens": the header names without case, spaces or underscores.
std::string squash(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == ' ' || c == '_' || c == '\t' || c == '"') continue;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

enum Col { kTime, kPrompt, kOutput, kPriority, kCols };
constexpr const char* kColNames[kCols] = {"timestamp", "prompt_tokens", "output_tokens", "priority"};

int column_of(const std::string& squashed) {
  if (squashed == "timestamp" || squashed == "time" || squashed == "arrivaltime") return kTime;
  if (squashed == "prompttokens" || squashed == "requesttokens" || squashed == "contexttokens" ||
      squashed == "inputtokens")
    return kPrompt;
  if (squashed == "outputtokens" || squashed == "responsetokens" || squashed == "generatedtokens")
    return kOutput;
  if (squashed == "priority") return kPriority;
  return -1;
}

std::int64_t read_count(const std::string& text) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
    throw ValueError(fmt::format("expected a count of tokens (an integer >= 0), found '{}'", text));
  }
  if (v > (std::int64_t{1} << 24)) throw ValueError(fmt::format("{} tokens exceed the cap of 2^24", v));
  return v;
}

// Days since 1970-01-01 of a civil date (Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A time: whole seconds since 1970 (a date and time) and seconds beyond them,
// kept apart so that differences keep nanoseconds (a double of 1.7e9 s has
// a resolution of 240 ns).
struct Stamp {
  std::int64_t whole = 0;
  double rest = 0;
  [[nodiscard]] double minus(const Stamp& o) const { return static_cast<double>(whole - o.whole) + (rest - o.rest); }
};

// Seconds: a plain number, or "YYYY-MM-DD HH:MM:SS[.fraction]".
Stamp read_time(const std::string& text) {
  const auto bad = [&] {
    return ValueError(fmt::format(
        "expected seconds (a number >= 0) or a date and time 'YYYY-MM-DD HH:MM:SS[.fraction]', found '{}'", text));
  };
  if (text.size() >= 19 && text[4] == '-' && text[7] == '-' && (text[10] == ' ' || text[10] == 'T')) {
    int y = 0;
    unsigned mo = 0, d = 0, h = 0, mi = 0;
    const auto num = [&](std::size_t at, std::size_t len, auto& out) {
      const auto [p, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
      if (ec != std::errc() || p != text.data() + at + len) throw bad();
    };
    num(0, 4, y);
    num(5, 2, mo);
    num(8, 2, d);
    num(11, 2, h);
    if (text[13] != ':' || text[16] != ':') throw bad();
    num(14, 2, mi);
    double s = 0;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data() + 17, end, s);
    if (ec != std::errc() || p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s < 0 || s >= 61) {
      throw bad();
    }
    return {days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60, s};
  }
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !(v >= 0) || !std::isfinite(v)) throw bad();
  return {0, v};
}

}  // namespace

RequestList parse_request_trace(const std::string& text, const RequestsSpec& spec, const std::string& shown,
                                const std::string& key) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  const auto fail = [&](int column, const std::string& message) {
    throw ConfigError(SourceLocation{shown, line_no, column}, key, message);
  };
  std::optional<std::array<int, kCols>> columns;
  std::size_t width = 0;
  struct Row {
    Stamp t;
    Request r;
    int line;
    int column;
  };
  std::vector<Row> rows;
  RequestList out;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view view(line);
    while (!view.empty() && (view.front() == ' ' || view.front() == '\t' || view.front() == '\r')) view.remove_prefix(1);
    if (view.empty() || view.front() == '#') continue;
    const auto fields = split(line);
    if (!columns) {
      columns.emplace();
      columns->fill(-1);
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const int c = column_of(squash(fields[i].text));
        if (c < 0) continue;
        if ((*columns)[static_cast<std::size_t>(c)] >= 0) {
          fail(fields[i].column, fmt::format("a second {} column, '{}'", kColNames[c], fields[i].text));
        }
        (*columns)[static_cast<std::size_t>(c)] = static_cast<int>(i);
      }
      for (int c : {kTime, kPrompt, kOutput}) {
        if ((*columns)[static_cast<std::size_t>(c)] < 0) {
          fail(1, fmt::format("the header lacks the {} column (timestamp; prompt_tokens, Request tokens or "
                              "ContextTokens; output_tokens, Response tokens or GeneratedTokens)",
                              kColNames[c]));
        }
      }
      width = fields.size();
      continue;
    }
    if (fields.size() != width) fail(1, fmt::format("{} fields where the header has {}", fields.size(), width));
    Row row{};
    row.line = line_no;
    row.column = fields[static_cast<std::size_t>((*columns)[kTime])].column;
    for (int c = 0; c < kCols; ++c) {
      const int i = (*columns)[static_cast<std::size_t>(c)];
      if (i < 0) continue;
      const Field& f = fields[static_cast<std::size_t>(i)];
      try {
        if (c == kTime) row.t = read_time(f.text);
        if (c == kPrompt) row.r.prompt = static_cast<std::int32_t>(read_count(f.text));
        if (c == kOutput) row.r.output = static_cast<std::int32_t>(read_count(f.text));
        if (c == kPriority) {
          const std::int64_t p = read_count(f.text);
          if (p > 63) throw ValueError(fmt::format("priority classes are 0..63, found {}", p));
          row.r.priority = static_cast<std::int32_t>(p);
        }
      } catch (const ValueError& e) {
        fail(f.column, fmt::format("column {}: {}", kColNames[c], e.what()));
      }
    }
    if (row.r.output == 0) {
      ++out.skipped;
      continue;
    }
    if (rows.size() >= static_cast<std::size_t>(kMaxRequests)) too_many(spec);
    if (row.r.prompt == 0) {
      fail((*columns)[kPrompt] + 1, "a request with no prompt tokens (a request needs at least one)");
    }
    rows.push_back(row);
  }
  // The file as a whole: at the scenario's `file` key, naming the file.
  if (!columns) throw ConfigError(spec.file_at, key, fmt::format("the trace '{}' has no header line", shown));
  if (rows.empty()) {
    throw ConfigError(
        spec.file_at, key,
        fmt::format("the trace '{}' lists no requests with output tokens ({} {} with 0 output tokens)", shown,
                    out.skipped, out.skipped == 1 ? "row" : "rows"));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.t.minus(b.t) < 0; });
  const Stamp t0 = rows.front().t;
  for (const Row& row : rows) {
    Request r = row.r;
    const double since = row.t.minus(t0) * spec.time_scale;
    if (since > kMaxArrivalSeconds) {
      throw ConfigError(SourceLocation{shown, row.line, row.column}, key,
                        fmt::format("column timestamp: {} s after the first request, beyond 10^9 s", since));
    }
    r.arrival = Time::zero() + Duration::from_seconds(since);
    if (!keep_going(spec, out.requests.size(), r.arrival)) break;
    out.requests.push_back(r);
  }
  return out;
}

RequestList read_request_trace(const RequestsSpec& spec, const std::string& key) {
  std::ifstream in(spec.trace_path, std::ios::binary);
  if (!in) throw ConfigError(spec.at, key, fmt::format("cannot open the trace '{}'", spec.trace_shown));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_request_trace(text.str(), spec, spec.trace_shown, key);
}

}  // namespace orrery::workload::serving
