// An IVF-PQ search as the kernels Faiss's GPU index runs (faiss/gpu
// GpuIndexIVFPQ with precomputed tables, fp32 lookup tables): what a GPU's
// roofline model prices, kernel by kernel.
//
//   opq          the rotation, a B × D × D GEMM (when the index has OPQ)
//   coarse       distances to the centroids, a B × nlist × D GEMM
//   select_cells k-select of nprobe of nlist: reads B·nlist fp32, writes B·nprobe (id, distance)
//   lut_gemm     −2⟨x, y⟩ of each sub-space: m GEMMs of B × 256 × D/m
//   lut_build    adds the precomputed ‖y‖² + 2⟨c, y⟩ terms for each probed cell:
//                reads and writes B·nprobe·m·256 fp32
//   pq_scan      each probed code: m table lookups and adds; reads its m bytes,
//                writes its fp32 distance (memory bound)
//   select_k     k-select over every scanned distance: reads them, writes B·k (id, distance)
//
// Codes scanned per query: ivfpq_codes_per_query (FANNS's scan ratio × nprobe
// × vectors / nlist). The lookups hit the LUT in shared memory: no DRAM bytes.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/task/ivfpq_search.hpp"
#include "sim/task/operation.hpp"

namespace orrery::task {

struct IvfPqKernels {
  std::vector<Operation> ops;  // in order
  std::size_t scan = 0;        // which of them is the PQ scan
};
[[nodiscard]] IvfPqKernels ivfpq_gpu_kernels(const IvfPqSearch& s);

}  // namespace orrery::task
