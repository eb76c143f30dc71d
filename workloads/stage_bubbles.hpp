// The idle time of pipeline stages, as the pipeline workloads report it.
// Two views of stage s, whose operations keep it busy for busy_s in total:
//  * bubble_fraction_per_stage[s] = 1 − busy_s / T, with T the iteration's
//    makespan: everything stage s does not compute in this isolated
//    iteration, its wait for the first input and for the last stage included;
//  * bubble_s_per_stage[s] = (end of its last operation − start of its first)
//    − busy_s: the idle time inside its own span, the bubble as Qi et al.
//    count it (ICLR'24 §5.3: the cost of a stage is its execution time), which
//    back-to-back iterations cannot fill. bubble_s is the largest over stages.
// The two differ by the stage's head (first start) and tail (T − last end).
// bubble_fraction is the mean of the per-stage fractions.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/core/summary.hpp"

namespace orrery::workload {

class StageBubbles {
 public:
  explicit StageBubbles(int stages);
  // Stage `stage` was busy from `start` to `end` (ns).
  void busy(int stage, std::int64_t start, std::int64_t end);
  // Sets bubble_fraction(_per_stage) and bubble_s(_per_stage) for an iteration of `iteration` ns.
  void summarize(std::int64_t iteration, Summary& out) const;
  // The longest stage span, first start to last end (ns; 0 when no stage was busy):
  // the period of back-to-back iterations that no global step separates.
  [[nodiscard]] std::int64_t longest_span() const;

 private:
  std::vector<double> busy_;
  std::vector<std::int64_t> first_, last_;
};

}  // namespace orrery::workload
