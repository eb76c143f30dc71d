// How a training run is laid out on the devices: data (dp), tensor (tp),
// pipeline (pp, with vpp model chunks per stage), context (cp) and expert (ep)
// parallelism, and the rank-to-device mapping. Ranks are numbered by the axes
// in `order`, innermost first: Megatron's default puts tp innermost (inside a
// node), then cp, dp and pp outermost. Expert parallelism does not add devices:
// the ep ranks of a group are ep consecutive data-parallel ranks (Megatron-Core).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/core/ids.hpp"

namespace orrery::workload::training {

// In this order ParallelPlan::device indexes a coordinate and a size by axis.
enum class Axis : std::uint8_t { kTp, kCp, kDp, kPp };
[[nodiscard]] std::string_view name_of(Axis a);

struct Coord {
  int tp = 0, cp = 0, dp = 0, pp = 0;
};

struct ParallelPlan {
  int dp = 1, tp = 1, pp = 1, vpp = 1, cp = 1, ep = 1;  // dp 0: `auto`, until the cluster fills it
  bool sequence_parallel = false;
  std::array<Axis, 4> order{Axis::kTp, Axis::kCp, Axis::kDp, Axis::kPp};

  [[nodiscard]] int devices() const { return dp * tp * pp * cp; }
  [[nodiscard]] bool auto_dp() const { return dp == 0; }
  [[nodiscard]] int size(Axis a) const;
  [[nodiscard]] DeviceId device(const Coord& c) const;
  // The devices that differ from `c` only along the axes given, in rank order.
  [[nodiscard]] std::vector<DeviceId> group(const Coord& c, std::initializer_list<Axis> along) const;

  static ParallelPlan read(config::Reader& r);
};

}  // namespace orrery::workload::training
