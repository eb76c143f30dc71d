// Neural graphics processing clusters (Mubarik et al., ISCA'23, "Hardware
// Acceleration of Neural Graphics", arXiv 2303.05735): neural field
// processors (NFPs) beside the GPU's L2, each with one encoding engine per
// grid level (a 1 MB SRAM holding that level's table) and a 64×64 MAC MLP
// engine; the encoding feeds the MLP directly (fused), so the two engines
// overlap and the slower one sets the pace. Scales 8, 16, 32, 64 (NFPs).
//
// Encoding. A point needs 2^dims corner lookups per level. The engines do
//   lookup rate = NFPs × engines per NFP × clock × lookups per cycle
// while the level's table fits in an engine's SRAM. A table of
// 2^log2_table × features × 2 B (fp16) that does not fit keeps its first
// SRAM-sized part on chip; hashed indices are uniform, so a share
// SRAM / table of the level's lookups hits and the rest go to the GPU's L2.
// The L2 (the host's on_chip_memory) keeps the spilled parts of the levels
// whose spills are smallest, as far as it holds them whole; the other
// levels' spilled lookups go to DRAM at the device's memory_bandwidth, each moving its entry
// (features × 2 B) — the same accounting as the GPU's hash-grid roofline,
// which assumes that neighbouring samples share cache lines:
//   t_encode = max(lookups ÷ lookup rate, misses × entry bytes ÷ bandwidth).
// Each level's table has its own size (task::level_entries: coarse levels
// whose grids have fewer vertices than the table hold only those; with
// base_resolution 0 every level is priced at the full table, an upper bound).
// A simplex encoding reads dims + 1 vertices instead of 2^dims; the engine's
// lookups per cycle are SRAM ports, so it encodes proportionally more points.
//
// MLP. A weight-stationary A×A array computes an in→out layer slice for one
// point per cycle, so a layer costs ceil(in/A)·ceil(out/A) cycles per point
// and NFP: t_mlp = points × Σ layers ceil(in/A)·ceil(out/A) ÷ (NFPs × clock).
//
// On the GPU the same work is two kernels priced by the GPU cost model
// (tiny-cuda-nn runs the encoding and the fully fused MLP separately). Every
// other kernel of an application (ray generation, sampling, compositing)
// runs on the host GPU's SMs: device_kind_ngpc prices it with the host's
// cost model.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "models/compute/cost.hpp"
#include "models/devices/device.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {

class NgpcModel {
 public:
  // Throws ValueError unless `ngpc` is an NGPC device with its engine fields.
  explicit NgpcModel(std::shared_ptr<const Device> ngpc);

  [[nodiscard]] const Device& device() const { return *device_; }
  [[nodiscard]] double lookups_per_s() const;
  // Level `level`'s table (task::level_entries fp16 entries of `features`).
  [[nodiscard]] double table_bytes(const task::HashGridEncoding& h, std::int64_t level = 0) const;
  [[nodiscard]] double sram_hit_fraction(const task::HashGridEncoding& h, std::int64_t level = 0) const;
  // Every level's table fits its engine's SRAM.
  [[nodiscard]] bool fits_sram(const task::HashGridEncoding& h) const;
  // The levels whose lookups reach DRAM: (bytes beyond the engine's SRAM,
  // table bytes) of each, after the host GPU's L2 has kept the smallest.
  [[nodiscard]] std::vector<std::pair<double, double>> dram_levels(const task::HashGridEncoding& h) const;
  [[nodiscard]] double encoded_points_per_s(const task::HashGridEncoding& h) const;
  [[nodiscard]] Duration encoding_time(const task::HashGridEncoding& h) const;
  [[nodiscard]] std::int64_t mlp_cycles_per_point(const task::TinyMlp& m) const;
  [[nodiscard]] Duration mlp_time(const task::TinyMlp& m) const;
  // Encoding fused into the MLP: max of the two.
  [[nodiscard]] Duration fused_time(const task::HashGridEncoding& h, const task::TinyMlp& m) const;
  // A neural field: its MLPs run one after another on the MLP engines while
  // the encoding engines feed them: max(encoding, Σ MLPs).
  [[nodiscard]] Duration field_time(const task::NeuralField& f) const;

 private:
  std::shared_ptr<const Device> device_;
};

struct NeuralFieldComparison {
  Cost gpu_encoding;
  Cost gpu_mlp;
  Duration gpu_total;
  Duration ngpc_encoding;
  Duration ngpc_mlp;
  Duration ngpc_total;
  double speedup = 0;  // gpu_total ÷ ngpc_total
};

// Hash-grid encoding + MLP of the same points on the GPU (two kernels) and on the NGPC (fused).
[[nodiscard]] NeuralFieldComparison compare(const task::HashGridEncoding& h, const task::TinyMlp& m,
                                            const NgpcModel& ngpc, const CostModel& gpu);

}  // namespace orrery::models
