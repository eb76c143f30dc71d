// How every kernel is timed: `warmup` untimed runs, then `repetitions` samples,
// each a batch of back-to-back launches between two CUDA events on the default
// stream; the batch holds enough launches to last >= 200 us so that short kernels
// are not measured as launch overhead plus event resolution. The median sample,
// divided by the launches in it, is the time of one run.
#pragma once

#include <functional>

namespace orrery::models::calibration {

struct TimingPolicy {
  int warmup = 3;
  int repetitions = 20;
};

// `launch` enqueues one run on the default stream (no synchronisation inside).
[[nodiscard]] double median_seconds(const TimingPolicy& policy, const std::function<void()>& launch);

}  // namespace orrery::models::calibration
