// An IVF-PQ search (Jégou et al. 2011; Faiss's IndexIVFPQ) of a batch of
// queries against one shard of an index, as pure data: the shape of the index
// and the search, and, for an FPGA, the stage parallelism of the design that
// runs it (0 everywhere: the device's model co-designs it, FANNS-style). One
// query: distances to the nlist coarse centroids, the nprobe nearest cells,
// a lookup table of m × 256 distances per probed cell, a scan of the probed
// cells' PQ codes (m table lookups each), the k best. An operation of
// sim/task/operation.hpp's Operation; the device's model prices it
// (models/compute/fpga_ivfpq.hpp on FPGAs, the Faiss-GPU kernels of
// ivfpq_kernels.hpp on GPUs).
#pragma once

#include <cstdint>

namespace orrery::task {

struct IvfPqSearch {
  std::int64_t batch = 1;  // queries
  std::int64_t dim = 128;
  std::int64_t vectors = 0;  // in this shard
  std::int64_t nlist = 8192;
  std::int64_t nprobe = 1;
  std::int64_t m = 16;  // bytes per PQ code (256 centroids per sub-space)
  std::int64_t k = 10;
  bool opq = false;  // an OPQ rotation (D × D) of each query first
  // FPGA design (FANNS's stage parallelism); 0: chosen by the co-design.
  int opq_unroll = 0, ivf_pes = 0, cell_queues = 0, lut_pes = 0, scan_channels = 0, scan_pes = 0;
  double utilization = 0.6;  // FPGA: the share of each resource the design and shell may use
};

// PQ centroids per sub-space (8-bit codes).
inline constexpr std::int64_t kPqCentroids = 256;

// FANNS's measured scan ratio (SC-ANN-FPGA get_best_hardware.py, SIFT100M):
// a query scans ratio × nprobe × vectors / nlist codes, larger cells being
// probed more often (1.10-1.15 by nlist).
[[nodiscard]] double ivfpq_scan_ratio(std::int64_t nlist, bool opq);
// The PQ codes one query scans.
[[nodiscard]] double ivfpq_codes_per_query(const IvfPqSearch& s);

}  // namespace orrery::task
