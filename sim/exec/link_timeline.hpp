// Link load over time: the bytes each link carried in each bin of a fixed
// width, when a run asks for it (`orrery run --record-links BIN`). The network
// services add what they know: the flow network a flow's bytes between two
// of its rate changes, spread evenly over that interval (its rate was
// constant there, so this is exact); the analytic network a transfer's bytes
// over its time on the link (size ÷ the link's bandwidth, from the transfer's
// start), and a collective that runs as one event (contention-free networks)
// its loads spread evenly over the collective's span — its transfers' own
// times are not kept per link, so that is an approximation, said in
// docs/ARCHITECTURE.md.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::exec {

class LinkTimeline {
 public:
  explicit LinkTimeline(Duration bin);

  // `bytes` crossing `link` evenly over [from, to); all in from's bin when to <= from.
  void add(std::int32_t link, Time from, Time to, double bytes);

  struct Cell {
    std::int32_t link;
    std::int64_t bin;  // [bin · width, (bin + 1) · width)
    double bytes;
  };
  // The cells that carried bytes, by link then bin.
  [[nodiscard]] std::vector<Cell> cells() const;
  [[nodiscard]] Duration bin() const { return bin_; }

 private:
  Duration bin_;
  std::unordered_map<std::uint64_t, double> bytes_;  // (link << 40 | bin) -> bytes
};

}  // namespace orrery::exec
