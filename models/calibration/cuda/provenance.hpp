// What the table records about where it was measured: the GPU (CUDA's name,
// compute capability, SMs, memory), the CUDA driver and runtime versions, the
// SM and memory clocks CUDA reports, the UTC date and the command line.
#pragma once

#include <string>

#include "models/calibration/cuda/calibration_table.hpp"
#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

// Selects CUDA device `index` and describes it; throws CalibrationError when there is none.
[[nodiscard]] GpuInfo query_gpu(int index);
[[nodiscard]] Provenance query_provenance(const GpuInfo& gpu, const std::string& command);

}  // namespace orrery::models::calibration
