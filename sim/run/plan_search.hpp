// Plan search: every parallel plan of a training scenario within a space of
// choices (tp, pp, vpp, cp, ep, micro-batch, schedule, ZeRO stage, recompute,
// offload; dp fills the devices left), pruned before any simulation — a plan
// the scenario reader refuses (divisibility, the schedule's needs: its message
// is the reason), or whose memory floor (TrainingWorkload::memory_floor) is
// above the device's memory — and the rest simulated, `jobs` at a time, on
// the analytic network. The best `refine` plans are then simulated again on
// the flow network. Candidates are numbered in the space's odometer order
// and every one is simulated alone from the same scenario and seed, so the
// table is the same whatever the threads' order.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/run/catalog.hpp"

namespace orrery::run {

// One axis of the space: the --set key under workload and its values as text.
struct SearchAxis {
  std::string name;  // tp, pp, vpp, cp, ep, micro_batch, schedule, zero_stage, recompute, offload
  std::vector<std::string> values;
};

struct SearchOptions {
  int jobs = 2;
  int refine = 3;        // the best plans simulated again on the flow network
  bool memory_prune = true;
};

enum class PlanStatus : std::uint8_t { kOk, kPruned, kFailed };

struct PlanRow {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> choice;  // a value per axis, in the axes' order
  int dp = 0;
  PlanStatus status = PlanStatus::kPruned;
  std::string reason;                   // why pruned or failed (or why its flow run failed)
  double memory_floor_bytes = kNone;    // none when the reader refused the plan
  double iteration_time_s = kNone;      // these four when simulated
  double peak_memory_bytes = kNone;
  double mfu = kNone;
  double tokens_per_s = kNone;
  double flow_iteration_time_s = kNone;  // when refined
  int rank = 0;                          // 1 = fastest; 0 unless ok
};

struct SearchResult {
  std::vector<SearchAxis> axes;
  std::vector<PlanRow> rows;  // in candidate order
  int devices = 0;
  std::string resolved_yaml;  // the base scenario, resolved
};

// The axes a search varies when the user names none: read from the scenario
// (its model, cluster and device) by default_axes; `given` replaces an axis by
// name. Throws ConfigError for a scenario whose workload is not training, or
// an unknown axis name.
[[nodiscard]] std::vector<SearchAxis> default_axes(const Catalog& catalog, const std::string& file,
                                                   const std::vector<std::string>& sets);

// Throws ConfigError for an axis check_axis refuses.
[[nodiscard]] SearchResult plan_search(const Catalog& catalog, const std::string& file,
                                       const std::vector<std::string>& sets, const std::vector<SearchAxis>& axes,
                                       const SearchOptions& options);

// The --set key of an axis ("parallel.tp", "training.schedule", ...); throws
// ConfigError naming the valid axes for an unknown one.
[[nodiscard]] std::string axis_key(const std::string& name);
// Whether an axis's values are names (schedule, recompute, offload) rather than integers.
[[nodiscard]] bool text_axis(const std::string& name);
// Throws ConfigError ("--axis NAME: 'V' ...") for an unknown axis, an empty or
// repeated value, or a value the axis does not take (an integer out of its
// range, an unknown schedule, recompute or offload).
void check_axis(const SearchAxis& axis, const Catalog& catalog);
[[nodiscard]] std::string_view name_of(PlanStatus s);

}  // namespace orrery::run
