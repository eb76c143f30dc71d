#include "models/compute/ngpc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "sim/core/units.hpp"

namespace orrery::models {

namespace {

constexpr double kSectorBytes = 32;  // DRAM access granularity of the GPU's memory system
constexpr double kFeatureBytes = 2;  // fp16 table entries


Duration ceil_ns(double seconds) {
  return Duration::ceil_ns(seconds * 1e9 - 1e-6);
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

NgpcModel::NgpcModel(std::shared_ptr<const Device> ngpc) : device_(std::move(ngpc)) {
  const Device& dv = *device_;
  if (dv.kind->name() != "ngpc") throw ValueError(fmt::format("device {} is not an NGPC", dv.name));
  if (!dv.nfp_count.present || !dv.encoding_engines_per_nfp.present || !dv.engine_sram.present ||
      !dv.engine_lookups_per_cycle.present || !dv.mlp_array.present || !dv.clock.present ||
      !dv.memory_bandwidth.present) {
    throw ValueError(fmt::format("NGPC device {} lacks an engine field", dv.name));
  }
}

double NgpcModel::lookups_per_s() const {
  const Device& dv = *device_;
  return real(dv.nfp_count.value) * real(dv.encoding_engines_per_nfp.value) * dv.clock.value.hz() *
         real(dv.engine_lookups_per_cycle.value);
}

double NgpcModel::table_bytes(const task::HashGridEncoding& h, std::int64_t level) const {
  return task::level_entries(h, level) * real(h.features) * kFeatureBytes;
}

double NgpcModel::sram_hit_fraction(const task::HashGridEncoding& h, std::int64_t level) const {
  return std::min(1.0, real(device_->engine_sram.value.count()) / table_bytes(h, level));
}

bool NgpcModel::fits_sram(const task::HashGridEncoding& h) const {
  for (std::int64_t l = 0; l < h.levels; ++l)
    if (sram_hit_fraction(h, l) < 1.0) return false;
  return true;
}

std::vector<std::pair<double, double>> NgpcModel::dram_levels(const task::HashGridEncoding& h) const {
  const double sram = real(device_->engine_sram.value.count());
  std::vector<std::pair<double, double>> spills;  // (bytes beyond the SRAM, table bytes)
  for (std::int64_t l = 0; l < h.levels; ++l) {
    const double table = table_bytes(h, l);
    if (table > sram) spills.emplace_back(table - sram, table);
  }
  // The host GPU's L2 keeps the smallest spilled parts (every level is read
  // equally often, so the small ones stay resident), as the GPU's own
  // hash-grid roofline does.
  std::sort(spills.begin(), spills.end());
  double l2 = device_->host && device_->host->on_chip_memory.present
                  ? real(device_->host->on_chip_memory.value.count())
                  : 0;
  std::size_t resident = 0;
  while (resident < spills.size() && spills[resident].first <= l2) l2 -= spills[resident++].first;
  spills.erase(spills.begin(), spills.begin() + static_cast<std::ptrdiff_t>(resident));
  return spills;
}

double NgpcModel::encoded_points_per_s(const task::HashGridEncoding& h) const {
  const double corners = real(task::corners_of(h));
  const double lookups_per_point = real(h.levels) * corners;
  const double on_chip = lookups_per_s() / lookups_per_point;
  double misses_per_point = 0;
  for (const auto& [spilled, table] : dram_levels(h)) misses_per_point += corners * spilled / table;
  if (misses_per_point <= 0) return on_chip;
  const double entry_bytes = real(h.features) * kFeatureBytes;
  const double dram = device_->memory_bandwidth.value.bytes_per_s() / (misses_per_point * entry_bytes);
  return std::min(on_chip, dram);
}

Duration NgpcModel::encoding_time(const task::HashGridEncoding& h) const {
  return ceil_ns(real(h.points) / encoded_points_per_s(h));
}

std::int64_t NgpcModel::mlp_cycles_per_point(const task::TinyMlp& m) const {
  const std::int64_t a = device_->mlp_array.value;
  std::int64_t cycles = ceil_div(m.inputs, a) * ceil_div(m.width, a);
  cycles += (m.depth - 1) * ceil_div(m.width, a) * ceil_div(m.width, a);
  cycles += ceil_div(m.width, a) * ceil_div(m.outputs, a);
  return cycles;
}

Duration NgpcModel::mlp_time(const task::TinyMlp& m) const {
  const double per_s = real(device_->nfp_count.value) * device_->clock.value.hz() / real(mlp_cycles_per_point(m));
  return ceil_ns(real(m.points) / per_s);
}

Duration NgpcModel::fused_time(const task::HashGridEncoding& h, const task::TinyMlp& m) const {
  return std::max(encoding_time(h), mlp_time(m));
}

Duration NgpcModel::field_time(const task::NeuralField& f) const {
  Duration mlps;
  for (const task::TinyMlp& m : f.mlps) mlps += mlp_time(m);
  return std::max(encoding_time(f.encoding), mlps);
}

NeuralFieldComparison compare(const task::HashGridEncoding& h, const task::TinyMlp& m,
                              const NgpcModel& ngpc, const CostModel& gpu) {
  NeuralFieldComparison c;
  c.gpu_encoding = gpu.cost(h);
  c.gpu_mlp = gpu.cost(m);
  c.gpu_total = c.gpu_encoding.time + c.gpu_mlp.time;
  c.ngpc_encoding = ngpc.encoding_time(h);
  c.ngpc_mlp = ngpc.mlp_time(m);
  c.ngpc_total = ngpc.fused_time(h, m);
  c.speedup = c.gpu_total.seconds() / std::max(1e-9, c.ngpc_total.seconds());
  return c;
}

}  // namespace orrery::models
