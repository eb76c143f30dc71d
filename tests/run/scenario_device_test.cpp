// `cluster.device` and `cluster.device_overrides`: a device by name (or by
// path), any field overridden with a unit, and located messages for unknown
// devices, bad overrides and overrides without a device. Positions are
// counted by hand in kScenario (1-based).
#include <gtest/gtest.h>

#include "tests/support/scenario_support.hpp"

#include "sim/run/scenario.hpp"

namespace orrery::run::scenario_device_test {
namespace {

using test::error_of;
using test::replace;

constexpr const char* kScenario = R"(cluster:
  nodes: 4
  device: H100-SXM5-80GB
  device_overrides: { memory_bandwidth: "3 TB/s" }
  scale_out: { kind: chain, link_bandwidth: "50 GB/s" }
workload:
  kind: pipeline
  stages: 4
  micro_batches: 8
  compute: { model: profiled, forward: "1 ms", backward: "2 ms" }
)";

TEST(ScenarioDevice, NamesADeviceAndOverridesAField) {
  const Catalog catalog;
  const Scenario s = parse_scenario(catalog, kScenario, "s.yaml", {}, std::nullopt);
  ASSERT_NE(s.cluster.device, nullptr);
  EXPECT_EQ(s.cluster.device->name, "H100-SXM5-80GB");
  EXPECT_DOUBLE_EQ(s.cluster.device->memory_bandwidth.value.bytes_per_s(), 3e12);
  EXPECT_EQ(s.cluster.device->memory_bandwidth.source, "scenario override (s.yaml:4:41)");
  EXPECT_DOUBLE_EQ(s.cluster.device->peak_bf16.value.per_s(), 989.5e12);  // untouched
  // --set reaches an override too, and says so.
  const Scenario t = parse_scenario(catalog, kScenario, "s.yaml",
                                    {"cluster.device_overrides.peak_bf16=800 TFLOP/s"}, std::nullopt);
  EXPECT_DOUBLE_EQ(t.cluster.device->peak_bf16.value.per_s(), 800e12);
  EXPECT_EQ(t.cluster.device->peak_bf16.source,
            "scenario override (--set cluster.device_overrides.peak_bf16=800 TFLOP/s)");
}

TEST(ScenarioDevice, ScenariosWithoutADeviceStayValid) {
  const Catalog catalog;
  const std::string text = replace(replace(kScenario, "  device: H100-SXM5-80GB\n", ""),
                                   "  device_overrides: { memory_bandwidth: \"3 TB/s\" }\n", "");
  const Scenario s = parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  EXPECT_EQ(s.cluster.device, nullptr);
}

TEST(ScenarioDeviceInvalid, UnknownDeviceListsTheValidOnes) {
  const std::string msg = error_of(replace(kScenario, "device: H100-SXM5-80GB", "device: H100"));
  EXPECT_EQ(
      msg.rfind("s.yaml:3:11: error: cluster.device: unknown device 'H100'; valid: A100-SXM4-40GB, ", 0), 0u)
      << msg;
}

TEST(ScenarioDeviceInvalid, BadOverrides) {
  EXPECT_EQ(
      error_of(replace(kScenario, "memory_bandwidth: \"3 TB/s\"", "memory_bandwith: \"3 TB/s\"")),
      "s.yaml:4:23: error: cluster.device_overrides: unknown key 'memory_bandwith'; did you mean "
      "'memory_bandwidth'?; valid: peak_fp64, peak_fp32, peak_tf32, peak_bf16, peak_fp16, peak_fp8, "
      "peak_int8, "
      "peak_int4, sparse_factor, memory_capacity, memory_bandwidth, on_chip_memory, l1_memory, link_bandwidth, "
      "nic_bandwidth, pcie_bandwidth, power, launch_overhead, clock, compute_units, "
      "default_compute_efficiency, default_memory_efficiency, hbm_channels, hbm_channel_bandwidth, "
      "ddr_capacity, ddr_bandwidth, luts, dsp_slices, flip_flops, bram_18k, uram_blocks, shell_luts, "
      "shell_flip_flops, shell_bram_18k, shell_dsp_slices, nfp_count, encoding_engines_per_nfp, engine_sram, "
      "engine_lookups_per_cycle, mlp_array, host_memory_capacity, host_memory_bandwidth, nvme_capacity, "
      "nvme_read_bandwidth, nvme_write_bandwidth");
  EXPECT_EQ(
      error_of(replace(kScenario, "\"3 TB/s\"", "\"3 TB\"")),
      "s.yaml:4:41: error: cluster.device_overrides.memory_bandwidth: cannot read '3 TB' as a bandwidth: "
      "unknown unit 'TB' (valid: b/s, kb/s, Mb/s, Gb/s, Tb/s, B/s, kB/s, KB/s, MB/s, GB/s, TB/s, KiB/s, "
      "MiB/s, GiB/s, TiB/s, bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, bps, kbps, Mbps, Gbps, "
      "Tbps, kBps, KBps, MBps, GBps, TBps); expected e.g. \"200 Gb/s\"");
  EXPECT_EQ(error_of(replace(kScenario, "memory_bandwidth: \"3 TB/s\"", "default_memory_efficiency: 1.2")),
            "s.yaml:4:50: error: cluster.device_overrides.default_memory_efficiency: must be in (0, 1]");
  EXPECT_EQ(error_of(replace(kScenario, "  device: H100-SXM5-80GB\n", "")),
            "s.yaml:3:41: error: cluster.device_overrides.memory_bandwidth: there is no cluster.device to "
            "override");
}

}  // namespace
}  // namespace orrery::run::scenario_device_test
