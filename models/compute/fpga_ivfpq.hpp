// IVF-PQ search on an FPGA as FANNS builds it (Jiang et al., SC'23, "Co-design
// Hardware and Algorithm for Vector Search", arXiv 2306.11182), and FANNS's
// hardware co-design: the stage parallelism of greatest throughput within the
// card's resource budget. The numbers are those of the FANNS artifact's
// performance model (WenqiJiang/SC-ANN-FPGA, FPGA_local/performance_model/:
// stages.py, queue_and_sorting.py, constants.py, get_best_hardware.py), which
// FANNS reports as Vivado-measured or HLS-predicted per processing element (PE).
//
// Six stages, each a dataflow stage (fpga_dataflow.hpp) with queries as items;
// f is the kernel clock (FANNS: 140 MHz), D the dimension, m the PQ bytes per
// vector, K = 256 the PQ centroids per sub-space, k the results per query:
//
//   1 OPQ        rotate the query          2D + L_u + D²/u cycles, unroll u ∈ {4, 8} (L 21, 37)
//   2 IVFDist    nlist centroid distances  D + 10 + 2·⌈nlist·D/16 / p2⌉, p2 ∈ [1, 16] systolic PEs;
//                                          centroids on chip (8·D/128 URAM per 512 a PE holds) or
//                                          from ⌈p2/2⌉ HBM channels
//   3 SelCells   nprobe nearest cells      priority queues of nprobe: one (nlist insertions) or
//                                          2q level-1 queues and one level-2, q ∈ [1, 8]
//   4 BuildLUT   a table per probed cell   D + ⌈nprobe/p4⌉·(D + 4 + 36 + K·m), p4 PEs;
//                                          quantizers on chip (URAM by nlist) or from 1 HBM channel
//   5 PQDist     scan the cells' codes     nprobe·((2 + K + p5 − 1) + (63 + ⌊s·N/nlist/p5⌋ + 1)),
//                                          c HBM channels, p5 ∈ {l·c} ∪ {c/j}, l = ⌊64/(m+4)⌋ codes
//                                          (and ids) per 512-bit word, s FANNS's scan ratio
//   6 SelK       top-k of p5 streams       hierarchical queues of k, or (p5 > k) bitonic sort
//                                          groups of 16 streams before 21 queues
//
// Priority queue of length n with I insertions: 3 + 5 + 2I + 2 + n cycles,
// 215.49 LUT and 196.07 FF per entry. The pipeline runs at its slowest stage
// (and stage 5's channels bound it too: c × channel bandwidth ÷ bytes scanned
// per query). D enters stages 1, 2 and 4 as written above; FANNS's model
// writes their constants for D = 128 (SIFT) and keeps them for Deep's D = 96,
// so at D ≠ 128 this model differs from it (ASSUMPTION: cycles scale with D).
//
// Co-design (FANNS §5: "explore all combinations ... choose the one with the
// highest throughput within the resource constraint"): every resource summed
// over the stages plus the shell stays within utilization × the card's total,
// and the stages' HBM channels within FANNS's 20 ("a conservative constraint,
// as larger values can lead to routing error", get_best_hardware.py). Exact:
// feasibility is monotone in a throughput floor T, so a binary search over
// the options' rates finds the greatest T with a fitting choice (per stage
// only the options that are not dominated on every resource are tried).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/task/ivfpq_search.hpp"

namespace orrery::models {

struct Device;

enum class FpgaResource : std::uint8_t { kLut, kFf, kBram18k, kUram, kDsp, kHbmChannels };
inline constexpr int kFpgaResourceCount = 6;
[[nodiscard]] std::string_view name_of(FpgaResource r);

struct FpgaResources {
  std::array<double, kFpgaResourceCount> amount{};
  [[nodiscard]] double operator[](FpgaResource r) const { return amount[static_cast<std::size_t>(r)]; }
  double& operator[](FpgaResource r) { return amount[static_cast<std::size_t>(r)]; }
  FpgaResources& add(const FpgaResources& o, double times = 1.0);
};

// What one card offers a design: its totals, the shell's share (the static
// and dynamic regions the platform keeps), the share of the card a design may
// fill and still route (FANNS's max_utilization_rate), the HBM channels the
// stages may take, each channel's capacity and bandwidth, and the clock.
struct FpgaBudget {
  FpgaResources total;
  FpgaResources shell;
  double utilization = 0.6;
  int max_hbm_channels = 20;
  Bytes channel_capacity;
  Bandwidth channel_bandwidth;
  Frequency clock;
  // What the design and the shell may use together (HBM: the channels' cap).
  [[nodiscard]] double limit(FpgaResource r) const;
};

// FANNS's cap on the HBM channels a design takes (see above).
inline constexpr int kFannsMaxHbmChannels = 20;

// The budget of a `kind: fpga` device (its resource and shell fields) at a
// utilization cap. Throws ValueError naming a missing field.
[[nodiscard]] FpgaBudget fpga_budget(const Device& device, double utilization);

// The design's parameters; 0 leaves one to the co-design.
struct IvfPqDesign {
  int opq_unroll = 0;     // stage 1: 4 or 8
  int ivf_pes = 0;        // stage 2: 1..16
  int cell_queues = 0;    // stage 3: level-1 priority queues (1: a single queue; else even, 2..16)
  int lut_pes = 0;        // stage 4: 1..nprobe
  int scan_channels = 0;  // stage 5: HBM channels holding the PQ codes
  int scan_pes = 0;       // stage 5: PEs (l·channels, or channels / j)
};

struct IvfPqStage {
  std::string name;   // opq, ivf_dist, select_cells, build_lut, pq_dist, select_k
  double cycles = 0;  // per query
  FpgaResources used;
  std::string config;  // what was chosen, in words
};

struct IvfPqPlan {
  IvfPqDesign design;
  std::vector<IvfPqStage> stages;  // in pipeline order (no opq stage without OPQ)
  FpgaResources used;              // the stages and the shell
  double scan_bytes_per_query = 0;  // PQ codes and ids stage 5 streams from HBM
  double qps = 0;                   // the slowest stage's rate
  std::size_t bottleneck = 0;
  std::int64_t designs_tried = 0;  // combinations the search checked against the budget
};

// The design of greatest throughput within `budget` for the search `x`
// (its batch aside), keeping every nonzero design parameter `x` gives.
// Throws ValueError for a fixed parameter outside its domain, InfeasibleError naming the resource when nothing fits (a fixed
// design over budget, or an index whose codes need more HBM channels).
[[nodiscard]] IvfPqPlan codesign(const task::IvfPqSearch& x, const FpgaBudget& budget);

// Every option of each stage group that `x`'s design allows, for tests and the
// search: groups 0 opq (empty without OPQ), 1 ivf_dist, 2 select_cells,
// 3 build_lut, 4 pq_dist + select_k (two stages that depend on each other).
struct IvfPqOption {
  std::vector<IvfPqStage> stages;
  IvfPqDesign sets;  // the parameters this option chooses
  FpgaResources used;
  double qps = 0;
};
[[nodiscard]] std::array<std::vector<IvfPqOption>, 5> ivfpq_options(const task::IvfPqSearch& x,
                                                                    const FpgaBudget& budget);

// Bytes the PQ codes of `x`'s vectors take in HBM: l codes and their 4-byte
// ids per 64-byte word, padded 5% (get_best_hardware.py's layout).
[[nodiscard]] double ivfpq_code_bytes(const task::IvfPqSearch& x);
// Bytes PQDist streams per query: the codes it scans, in whole words.
[[nodiscard]] double ivfpq_scan_bytes_per_query(const task::IvfPqSearch& x);

// A batch of `queries` through the pipeline: the first query passes every
// stage, the rest leave at the slowest stage's rate:
// (Σ cycles + (queries − 1) · max cycles) ÷ f, HBM-bound rates included.
[[nodiscard]] Duration batch_time(const IvfPqPlan& plan, const FpgaBudget& budget, std::int64_t queries);

}  // namespace orrery::models
