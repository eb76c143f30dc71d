// The requests a `serving` run answers: when each arrives, its prompt and
// output tokens and its priority class — drawn from the arrival process and
// length distributions of the spec (named RNG streams of the scenario seed),
// or read from a CSV trace.
//
// A trace's first line that is not blank or a `#` comment is the header. Its
// columns are found by name, case and spaces aside: the arrival time
// (`timestamp`), the prompt tokens (`prompt_tokens`, BurstGPT's `Request
// tokens`, Azure's `ContextTokens`, `input_tokens`) and the output tokens
// (`output_tokens`, BurstGPT's `Response tokens`, Azure's `GeneratedTokens`),
// and optionally `priority`; other columns (BurstGPT's Model, Log Type) are
// ignored. A timestamp is seconds (a number) or a date and time
// `YYYY-MM-DD HH:MM:SS[.fraction]` (Azure); arrivals count from the first
// row's time. A row with zero output tokens (BurstGPT logs failed requests so)
// is skipped and counted. Everything else that is not a count or a time is a
// ConfigError at file:line:column naming the column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/core/time.hpp"
#include "workloads/serving/serving_spec.hpp"

namespace orrery::workload::serving {

struct Request {
  Time arrival;
  std::int32_t prompt = 0;
  std::int32_t output = 0;
  std::int32_t priority = 0;  // 0 is the most urgent
};

struct RequestList {
  std::vector<Request> requests;  // in arrival order
  std::int64_t skipped = 0;       // trace rows with zero output tokens
};

// The synthetic requests of `spec` (poisson or gamma arrivals).
[[nodiscard]] RequestList generate_requests(const RequestsSpec& spec, std::uint64_t seed);

// A trace's requests: timestamps scaled by spec.time_scale, cut at
// spec.count and spec.duration when given. `key` is the key path errors name.
[[nodiscard]] RequestList read_request_trace(const RequestsSpec& spec, const std::string& key);
[[nodiscard]] RequestList parse_request_trace(const std::string& text, const RequestsSpec& spec,
                                              const std::string& shown, const std::string& key);

// One draw of a length distribution.
class LengthDraw {
 public:
  explicit LengthDraw(const LengthSpec& spec);
  std::int64_t operator()(Rng& rng) const;

 private:
  LengthSpec spec_;
  std::vector<double> zipf_cdf_;  // zipf: P(n <= min + i)
};

}  // namespace orrery::workload::serving
