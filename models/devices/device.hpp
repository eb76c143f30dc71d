// A device as its data file in models/devices/ describes it: every number
// with the source it came from (datasheet and version, paper and table, or a
// measurement with GPU, driver and date). The loader rejects a number without
// a source, at its file:line:column. A scenario may override any field
// (`cluster.device_overrides`); the override's source is then its location.
//
// Fields are declared once, in a table (device.cpp) that drives reading,
// overriding, `orrery describe device NAME` and the documentation.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/core/units.hpp"
#include "models/devices/device_kind.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {


// A value and where it came from; `present` is false for a field the file leaves out.
template <class T>
struct Sourced {
  using value_type = T;
  T value{};
  std::string source;
  bool present = false;
};

struct Device {
  std::string name;
  const DeviceKindSpec* kind = &gpu_device_kind();  // never null
  std::string description;
  std::string notes;
  std::string file;  // where it was read from

  // Dense peak rates, one per element type (tensor cores where they exist).
  Sourced<FlopRate> peak_fp64, peak_fp32, peak_tf32, peak_bf16, peak_fp16, peak_fp8, peak_int8, peak_int4;
  Sourced<double> sparse_factor;  // speed-up of 2:4 structured sparsity
  Sourced<Bytes> memory_capacity;
  Sourced<Bandwidth> memory_bandwidth;
  Sourced<Bytes> on_chip_memory;
  // First-level data cache of one compute unit (with shared memory where the two are one array).
  Sourced<Bytes> l1_memory;
  // Per direction: datasheets quote NVLink and PCIe both ways together.
  Sourced<Bandwidth> link_bandwidth, nic_bandwidth, pcie_bandwidth;
  Sourced<Power> power;
  Sourced<Duration> launch_overhead;
  Sourced<Frequency> clock;
  Sourced<std::int64_t> compute_units;
  // Used when no calibration table covers an operation (the summary flags it).
  Sourced<double> default_compute_efficiency, default_memory_efficiency;

  // FPGA cards.
  Sourced<std::int64_t> hbm_channels;
  Sourced<Bandwidth> hbm_channel_bandwidth;
  Sourced<Bytes> ddr_capacity;
  Sourced<Bandwidth> ddr_bandwidth;
  Sourced<std::int64_t> luts, dsp_slices;
  // The rest of the fabric a design's co-design counts (models/compute/fpga_ivfpq.hpp), and the
  // platform shell's share of it that a design cannot use.
  Sourced<std::int64_t> flip_flops, bram_18k, uram_blocks;
  Sourced<std::int64_t> shell_luts, shell_flip_flops, shell_bram_18k, shell_dsp_slices;

  // A GPU of the same compute die whose measured kernel times price this
  // one's operations where this device has no measured table of its own
  // (models/compute/cost.hpp says how): its name, why it stands in, and the
  // device, resolved by the catalog that loaded this one (null otherwise).
  std::string calibration_sibling;
  std::string calibration_sibling_source;
  SourceLocation calibration_sibling_at;
  std::shared_ptr<const Device> sibling;

  // Neural-graphics processing clusters (beside a host GPU).
  std::string host_device;
  SourceLocation host_device_at;
  // The host GPU, resolved by the catalog that loaded the device (null when
  // the device names none or was parsed on its own).
  std::shared_ptr<const Device> host;
  Sourced<std::int64_t> nfp_count, encoding_engines_per_nfp, engine_lookups_per_cycle, mlp_array;
  Sourced<Bytes> engine_sram;

  // Host tier (offload targets).
  Sourced<Bytes> host_memory_capacity;
  Sourced<Bandwidth> host_memory_bandwidth;
  Sourced<Bytes> nvme_capacity;
  Sourced<Bandwidth> nvme_read_bandwidth, nvme_write_bandwidth;

  [[nodiscard]] const Sourced<FlopRate>& peak(task::DType t) const;
  // The peak for `t`; throws ValueError naming the types this device has.
  [[nodiscard]] FlopRate peak_or_throw(task::DType t) const;
};

// Reads a device file. Throws ConfigError at the offending key.
[[nodiscard]] Device load_device(const std::string& path);
[[nodiscard]] Device parse_device(const std::string& text, const std::string& file_name);

// Reads `cluster.device_overrides` (or documents it) into `device`; with no
// device (null) any override is an error.
void read_overrides(config::Reader& r, Device* device);

// Documents the keys of a device file.
[[nodiscard]] std::vector<config::KeyDoc> device_file_keys();

// Every numeric field the device has, as text, in the file's order.
struct FieldValue {
  std::string key;
  std::string value;
  std::string source;
};
[[nodiscard]] std::vector<FieldValue> field_values(const Device& d);

// `orrery describe device NAME`: every field present, with its value and source.
[[nodiscard]] std::string describe(const Device& d, bool markdown);

}  // namespace orrery::models
