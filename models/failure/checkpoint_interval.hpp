// The optimum interval between checkpoints, from the checkpoint cost δ (time
// to write one) and the mean time between failures M:
//  * Young (1974), "A first order approximation to the optimum checkpoint
//    interval": τ = √(2·δ·M);
//  * Daly (2006), "A higher order estimate of the optimum checkpoint interval
//    for restart dumps", Eq. 37: for δ < 2M,
//      τ = √(2δM)·[1 + ⅓·√(δ/(2M)) + (1/9)·(δ/(2M))] − δ,
//    and τ = M otherwise.
// Policies (issue 6) use these for `interval: young` / `daly`; the failure
// simulation checks them against the simulated waste.
#pragma once

#include "sim/core/time.hpp"

namespace orrery::models {

// Throws ValueError unless δ > 0 and M > 0.
[[nodiscard]] Duration young_interval(Duration checkpoint_cost, Duration mtbf);
[[nodiscard]] Duration daly_interval(Duration checkpoint_cost, Duration mtbf);

}  // namespace orrery::models
