// The naive GEMM that --verify compares cuBLASLt with: one thread per output
// element, fp32 accumulation, inputs widened from the same device buffers.
#pragma once

#include "models/calibration/cuda/dtype.hpp"

namespace orrery::models::calibration {

// c[i + j*m] = scale * sum_l A[l + i*k] B[l + j*k] and abs_c the same sum of |products|
// (the size the rounding error is measured against), both m x n fp32 on the device.
void reference_gemm_tn(Dtype in, const void* a, const void* b, float scale, int m, int n, int k, float* c,
                       float* abs_c);

}  // namespace orrery::models::calibration
