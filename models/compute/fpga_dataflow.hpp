// FPGA accelerators as dataflow pipelines: stages joined by FIFOs, all busy at
// once, each item passing every stage in turn. A stage has a clock, an
// initiation interval (II, cycles between two items entering one lane),
// parallel lanes, a pipeline depth in cycles, the on-chip memory it holds and
// the HBM channels that feed it. Its rate is the lower of
//
//   compute:  clock × lanes ÷ II                         items/s
//   HBM:      channels × channel bandwidth ÷ bytes per item   items/s (HBM-fed stages)
//
// The pipeline's throughput is its slowest stage's rate; the time to process
// `items` is the fill latency, Σ depth_i ÷ clock_i, plus items ÷ throughput.
//
// FANNS (Jiang et al., SC'23, "Co-design Hardware and Algorithm for Vector
// Search", arXiv 2306.11182) builds IVF-PQ search on an Alveo U55C as six such
// stages: (1) OPQ rotation of the query, (2) IVFDist — distances to the nlist
// cell centroids, (3) SelCells — pick the nprobe nearest cells, (4) BuildLUT —
// one distance lookup table per probed cell, (5) PQDist — scan the PQ codes of
// the probed cells streamed from HBM, one code per PE per cycle, (6) SelK — the
// top-K of the distances. With queries as the items, each stage's II is its
// cycles per query; models/README.md lists a published FANNS design in these
// terms (140 MHz; the PQDist stage fed by 9 HBM channels).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/devices/device.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace orrery::models {

struct DataflowStage {
  std::string name;
  Frequency clock;
  double initiation_interval = 1;  // cycles per item per lane
  std::int64_t lanes = 1;
  std::int64_t depth = 1;  // cycles from an item's entry to its exit
  Bytes on_chip_memory;
  std::int64_t hbm_channels = 0;
  Bandwidth channel_bandwidth;  // 0: the device's hbm_channel_bandwidth
  double hbm_bytes_per_item = 0;
};

struct StageRate {
  double compute_items_per_s = 0;
  double hbm_items_per_s = 0;  // infinite for stages without HBM traffic
  double items_per_s = 0;
  bool hbm_bound = false;
};

class DataflowPipeline {
 public:
  // Throws ValueError for a stage with no clock, II, lanes or depth, or when the
  // stages together need more HBM channels or on-chip memory than `device` has.
  DataflowPipeline(std::vector<DataflowStage> stages, const Device& device);

  [[nodiscard]] StageRate rate(std::size_t stage) const;
  [[nodiscard]] double throughput() const { return throughput_; }  // items/s
  [[nodiscard]] std::size_t bottleneck() const { return bottleneck_; }
  [[nodiscard]] Duration fill_latency() const;
  // Time to process `items` items: fill latency + items ÷ throughput.
  [[nodiscard]] Duration time(double items) const;
  [[nodiscard]] std::span<const DataflowStage> stages() const { return stages_; }

 private:
  std::vector<DataflowStage> stages_;
  std::vector<StageRate> rates_;
  double throughput_ = 0;
  std::size_t bottleneck_ = 0;
};

}  // namespace orrery::models
