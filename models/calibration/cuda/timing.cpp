// The timing loop shared by all families (see timing.hpp).
#include "models/calibration/cuda/timing.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "models/calibration/cuda/device_buffer.hpp"

namespace orrery::models::calibration {

namespace {

// Seconds between two recorded events, after waiting for the second.
double elapsed(const CudaEvent& start, const CudaEvent& stop) {
  ORRERY_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  ORRERY_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms * 1e-3;
}

}  // namespace

double median_seconds(const TimingPolicy& policy, const std::function<void()>& launch) {
  constexpr double kMinSampleSeconds = 200e-6;
  constexpr int kMaxLaunchesPerSample = 1000;
  for (int i = 0; i < policy.warmup; ++i) launch();
  ORRERY_CUDA_CHECK(cudaGetLastError());
  ORRERY_CUDA_CHECK(cudaDeviceSynchronize());

  CudaEvent start;
  CudaEvent stop;
  ORRERY_CUDA_CHECK(cudaEventRecord(start.get()));
  launch();
  ORRERY_CUDA_CHECK(cudaEventRecord(stop.get()));
  const double estimate = std::max(elapsed(start, stop), 1e-7);
  const int batch =
      std::clamp(static_cast<int>(std::ceil(kMinSampleSeconds / estimate)), 1, kMaxLaunchesPerSample);

  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(policy.repetitions));
  for (int r = 0; r < policy.repetitions; ++r) {
    ORRERY_CUDA_CHECK(cudaEventRecord(start.get()));
    for (int i = 0; i < batch; ++i) launch();
    ORRERY_CUDA_CHECK(cudaEventRecord(stop.get()));
    samples.push_back(elapsed(start, stop) / batch);
  }
  ORRERY_CUDA_CHECK(cudaGetLastError());
  const auto mid = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), mid, samples.end());
  if (samples.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(samples.begin(), mid)) / 2;
}

}  // namespace orrery::models::calibration
