// Owning handles for device memory and CUDA events, so that an exception thrown
// half-way through a sweep frees what it allocated. `fits_in_device_memory`
// lets a family skip a shape (with a note in the table) instead of failing on
// a GPU with less memory than an H100.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <memory>

#include "models/calibration/cuda/cuda_check.hpp"

namespace orrery::models::calibration {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    void* p = nullptr;
    ORRERY_CUDA_CHECK(cudaMalloc(&p, bytes == 0 ? 1 : bytes));
    ptr_.reset(p);
  }
  [[nodiscard]] void* get() const { return ptr_.get(); }
  template <class T>
  [[nodiscard]] T* as() const {
    return static_cast<T*>(ptr_.get());
  }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(void* p) const noexcept { cudaFree(p); }
  };
  std::unique_ptr<void, Free> ptr_;
  std::size_t bytes_ = 0;
};

// True when `bytes` more can be allocated and 512 MiB stay free for the
// libraries' workspaces.
[[nodiscard]] inline bool fits_in_device_memory(std::size_t bytes) {
  std::size_t free = 0;
  std::size_t total = 0;
  ORRERY_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  constexpr std::size_t kReserve = std::size_t{512} << 20;
  return bytes + kReserve <= free;
}

class CudaEvent {
 public:
  CudaEvent() { ORRERY_CUDA_CHECK(cudaEventCreate(&event_)); }
  ~CudaEvent() { cudaEventDestroy(event_); }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  [[nodiscard]] cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace orrery::models::calibration
