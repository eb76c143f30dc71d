#include "models/compute/kernel_sequence.hpp"

#include <algorithm>

namespace orrery::models {

Cost kernel_sequence_cost(std::span<const task::Operation> kernels,
                          const std::function<Cost(std::size_t, const task::Operation&)>& price) {
  Cost c;
  c.calibrated = !kernels.empty();
  Duration longest = Duration::ns(-1);
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const Cost part = price(i, kernels[i]);
    c.time = c.time + part.time;
    c.flops = Flops(c.flops.count() + part.flops.count());
    c.bytes = Bytes(c.bytes.count() + part.bytes.count());
    c.calibrated = c.calibrated && part.calibrated;
    c.distance = std::max(c.distance, part.distance);
    if (part.time > longest) {
      longest = part.time;
      c.bound = part.bound;
      c.efficiency = part.efficiency;
    }
  }
  return c;
}

}  // namespace orrery::models
