// Turns a failed CUDA runtime call (or a cuBLAS/cuSPARSE status, through
// check_library) into a CalibrationError that names the call, the file and the
// line. Used as ORRERY_CUDA_CHECK(cudaMalloc(...)).
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "models/calibration/cuda/calibration_errors.hpp"

namespace orrery::models::calibration {

[[noreturn]] inline void throw_call_error(const char* call, const std::string& why, const char* file,
                                          int line) {
  throw CalibrationError(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + why);
}

inline void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    throw_call_error(call, std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")",
                     file, line);
  }
}

}  // namespace orrery::models::calibration

#define ORRERY_CUDA_CHECK(call) ::orrery::models::calibration::check_cuda((call), #call, __FILE__, __LINE__)
