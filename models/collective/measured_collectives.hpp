// In-node collectives priced from measured calls (a calibration table's
// `collective` rows: nccl-tests on one node) instead of the alpha-beta
// prediction on the fabric's links. What NCCL reaches inside a node depends
// on the message: on 8 A100s over NVSwitch its all_reduce moves 139 GB/s of
// bus bandwidth at 32 MiB, 177 at 128 MiB and 194 at 256 MiB, against
// NVLink's 300 GB/s (protocol, channel count and launch latency change with
// the size), so no single link bandwidth prices both a 50 MB and a 100 MB
// tensor-parallel all-reduce.
//
// A group's rows are its op, ranks and fabric. Between two rows the time is
// interpolated linearly in log(time) against log(bytes) (a power law through
// both, exact at each row); below the smallest row the smallest row's time
// (a call that small is latency-bound); above the largest, the largest row's
// bus bandwidth. An all_gather or reduce_scatter with no rows of its own
// takes half the all_reduce of the same buffer: a ring all-reduce is a
// reduce-scatter then an all-gather of that buffer, each sending (p−1)/p of it
// per rank in p−1 steps of S/p (ring_collectives.hpp), which is why
// nccl-tests' bus bandwidths of the three agree (its PERFORMANCE.md).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "models/calibration/table.hpp"

namespace orrery::models {

class MeasuredCollectives {
 public:
  MeasuredCollectives() = default;
  explicit MeasuredCollectives(const std::vector<CollectiveRow>& rows);

  [[nodiscard]] bool empty() const { return groups_.empty(); }
  // The time of `op` over `bytes` on `ranks` devices of one `fabric` node;
  // nullopt when no rows cover the op (or the all_reduce for gathers and scatters).
  [[nodiscard]] std::optional<Duration> time(task::CollectiveOp op, int ranks, std::string_view fabric,
                                             Bytes bytes) const;
  // The log2 distance from `bytes` to the nearest measured size of the rows
  // time() prices it with; nullopt where time() has none.
  [[nodiscard]] std::optional<double> distance(task::CollectiveOp op, int ranks, std::string_view fabric,
                                               Bytes bytes) const;

 private:
  struct Group {
    task::CollectiveOp op;
    int ranks;
    std::string fabric;
    std::vector<std::pair<double, double>> points;  // (bytes, seconds), ascending bytes, one per size
  };
  [[nodiscard]] const Group* find(task::CollectiveOp op, int ranks, std::string_view fabric) const;
  // The group that prices `op`: its own, or for a gather or scatter without
  // rows the all-reduce's (halved: `half`).
  [[nodiscard]] const Group* pricing(task::CollectiveOp op, int ranks, std::string_view fabric, bool& half) const;
  [[nodiscard]] static double interpolate(const Group& g, double bytes);

  std::vector<Group> groups_;
};

}  // namespace orrery::models
