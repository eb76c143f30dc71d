// Device files: every shipped file parses and gives a source for every number;
// a number without a source, or a malformed one, is rejected at its
// file:line:column (positions counted by hand in the texts below, 1-based).
#include <gtest/gtest.h>

#include <filesystem>

#include "models/data_dir.hpp"
#include "models/devices/device.hpp"
#include "models/devices/device_catalog.hpp"

namespace orrery::models::device_test {
namespace {

constexpr const char* kGood = R"(name: TEST-GPU
kind: gpu
description: "a device for tests"
peak_bf16: { value: "100 TFLOP/s", source: "test" }
memory_capacity: { value: "80 GB", source: "test" }
memory_bandwidth: { value: "1 TB/s", source: "test" }
launch_overhead: { value: "2 us", source: "test" }
default_compute_efficiency: { value: "0.5", source: "test" }
default_memory_efficiency: { value: "0.8", source: "test" }
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text, const std::string& file = "TEST-GPU.yaml") {
  try {
    (void)parse_device(text, file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Device, ReadsAGoodFile) {
  const Device d = parse_device(kGood, "TEST-GPU.yaml");
  EXPECT_EQ(d.name, "TEST-GPU");
  EXPECT_EQ(d.kind->name(), "gpu");
  EXPECT_DOUBLE_EQ(d.peak_bf16.value.per_s(), 100e12);
  EXPECT_EQ(d.peak_bf16.source, "test");
  EXPECT_FALSE(d.peak_fp8.present);
  EXPECT_DOUBLE_EQ(d.memory_bandwidth.value.bytes_per_s(), 1e12);
  EXPECT_EQ(d.launch_overhead.value, Duration::us(2));
}

TEST(Device, EveryShippedFileParsesAndCarriesSources) {
  const DeviceCatalog catalog(devices_dir());
  // The devices the catalog must have (issue 4), MI250X as one GCD.
  for (const char* name :
       {"V100-SXM2-32GB", "A100-SXM4-40GB", "A100-SXM4-80GB", "H100-SXM5-80GB", "H200-SXM-141GB", "MI250X",
        "RTX-3090", "Alveo-U55C", "Alveo-U280", "NGPC-8", "NGPC-16", "NGPC-32", "NGPC-64", "DGX-A100-host"}) {
    EXPECT_NE(std::find(catalog.names().begin(), catalog.names().end(), name), catalog.names().end()) << name;
  }
  for (const auto& name : catalog.names()) {
    const auto d = catalog.load(name);
    EXPECT_EQ(d->name, name);
    const auto values = field_values(*d);
    EXPECT_GE(values.size(), 5u) << name;
    for (const auto& v : values) {
      EXPECT_GE(v.source.size(), 10u) << name << "." << v.key << " has no real source";
    }
    if (d->kind == &gpu_device_kind()) {  // roofline-priced: its defaults say they are uncalibrated
      EXPECT_TRUE(d->default_compute_efficiency.source.find("UNCALIBRATED") != std::string::npos) << name;
    }
  }
  // One GCD of a two-GCD module, and it says so.
  const auto mi = catalog.load("MI250X");
  EXPECT_NE(mi->notes.find("two per MI250X module"), std::string::npos);
  EXPECT_DOUBLE_EQ(mi->peak_bf16.value.per_s(), 191.5e12);  // 383 TFLOP/s per module (datasheet) ÷ 2
}

TEST(Device, NgpcScalesFollowTheirNames) {
  const DeviceCatalog catalog(devices_dir());
  for (int n : {8, 16, 32, 64}) {
    const auto d = catalog.load("NGPC-" + std::to_string(n));
    EXPECT_EQ(d->nfp_count.value, n);
    EXPECT_EQ(d->encoding_engines_per_nfp.value, 16);  // one engine per level (Mubarik et al. ISCA'23)
    EXPECT_EQ(d->engine_sram.value.count(), 1 << 20);  // 1 MB per engine
    EXPECT_EQ(d->mlp_array.value, 64);                 // 64×64 MAC MLP engine
    EXPECT_EQ(d->host_device, "RTX-3090");
  }
}

TEST(DeviceInvalid, ANumberWithoutASourceIsRejected) {
  EXPECT_EQ(
      error_of(replace(kGood, R"({ value: "1 TB/s", source: "test" })", R"({ value: "1 TB/s" })")),
      "TEST-GPU.yaml:6:19: error: memory_bandwidth.source: missing required key 'source' (where the number "
      "comes from: datasheet and version, paper and table, or measurement with GPU, driver, CUDA version and "
      "date)");
  EXPECT_EQ(
      error_of(replace(kGood, R"({ value: "1 TB/s", source: "test" })", R"("1 TB/s")")),
      "TEST-GPU.yaml:6:19: error: memory_bandwidth: a number needs its source: write { value: \"1 TB/s\", "
      "source: \"datasheet, paper and table, or measurement\" }");
  EXPECT_EQ(error_of(replace(kGood, R"(source: "test" })", R"(source: " " })")),
            "TEST-GPU.yaml:4:44: error: peak_bf16.source: must not be empty");
}

TEST(DeviceInvalid, BadValuesAndKeys) {
  EXPECT_EQ(
      error_of(replace(kGood, "100 TFLOP/s", "100 TFLOP")),  // a count, not a rate
      "TEST-GPU.yaml:4:21: error: peak_bf16.value: cannot read '100 TFLOP' as a compute rate: unknown unit "
      "'TFLOP' (valid: FLOP/s, kFLOP/s, MFLOP/s, GFLOP/s, TFLOP/s, PFLOP/s, EFLOP/s, OP/s, GOP/s, TOP/s, "
      "POP/s, FLOPS, GFLOPS, TFLOPS, PFLOPS, EFLOPS, OPS, GOPS, TOPS, POPS); expected e.g. \"989 TFLOP/s\"");
  EXPECT_EQ(error_of(replace(kGood, R"(value: "0.5")", R"(value: "1.5")")),
            "TEST-GPU.yaml:8:38: error: default_compute_efficiency.value: must be in (0, 1]");
  EXPECT_EQ(
      error_of(std::string(kGood) + "peak_bf61: { value: \"1 TFLOP/s\", source: \"x\" }\n"),
      "TEST-GPU.yaml:10:1: error: peak_bf61: unknown top-level key 'peak_bf61'; did you mean 'peak_bf16'?; "
      "valid: name, kind, description, notes, host_device, calibration_sibling, peak_fp64, peak_fp32, "
      "peak_tf32, peak_bf16, peak_fp16, peak_fp8, peak_int8, peak_int4, sparse_factor, memory_capacity, "
      "memory_bandwidth, on_chip_memory, l1_memory, link_bandwidth, nic_bandwidth, pcie_bandwidth, power, "
      "launch_overhead, clock, compute_units, "
      "default_compute_efficiency, default_memory_efficiency, hbm_channels, hbm_channel_bandwidth, "
      "ddr_capacity, ddr_bandwidth, luts, dsp_slices, flip_flops, bram_18k, uram_blocks, shell_luts, "
      "shell_flip_flops, shell_bram_18k, shell_dsp_slices, nfp_count, encoding_engines_per_nfp, engine_sram, "
      "engine_lookups_per_cycle, mlp_array, host_memory_capacity, host_memory_bandwidth, nvme_capacity, "
      "nvme_read_bandwidth, nvme_write_bandwidth");
  EXPECT_EQ(error_of(kGood, "OTHER.yaml"),
            "OTHER.yaml:1:7: error: name: 'TEST-GPU' differs from the file name 'OTHER.yaml'");
  EXPECT_EQ(error_of(replace(kGood, "kind: gpu", "kind: gpus")),
            "TEST-GPU.yaml:2:7: error: kind: unknown value 'gpus'; did you mean 'gpu'?; valid: gpu, fpga, "
            "ngpc, host, cpu");
}

TEST(DeviceInvalid, KindRequirements) {
  EXPECT_EQ(
      error_of(replace(kGood, "launch_overhead: { value: \"2 us\", source: \"test\" }\n", "")),
      "TEST-GPU.yaml:1:1: error: launch_overhead: missing required section 'launch_overhead' (time of one "
      "kernel launch, paid by every operation)");
  EXPECT_EQ(error_of(replace(kGood, "peak_bf16: { value: \"100 TFLOP/s\", source: \"test\" }\n", "")),
            "TEST-GPU.yaml:1:1: error: a GPU needs at least one peak rate (peak_fp32, peak_bf16, ...)");
}

TEST(DeviceCatalog, UnknownDeviceListsTheValidOnes) {
  const DeviceCatalog catalog(devices_dir());
  try {
    (void)catalog.load("H100-SXM-80GB");
    FAIL() << "no error";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(
        msg.rfind("unknown device 'H100-SXM-80GB'; did you mean 'H100-SXM5-80GB'?; valid: A100-SXM4-40GB, ",
                  0),
        0u)
        << msg;
    EXPECT_NE(msg.find("V100-SXM2-32GB"), std::string::npos);
  }
}

TEST(DeviceCatalog, DescribePrintsEveryFieldWithItsSource) {
  const DeviceCatalog catalog(devices_dir());
  const std::string text = describe(*catalog.load("H100-SXM5-80GB"), false);
  EXPECT_NE(text.find("peak_bf16                   989.5 TFLOP/s"), std::string::npos) << text;
  EXPECT_NE(text.find("H100 SXM: BF16 Tensor Core 1,979 TFLOPS with sparsity"), std::string::npos);
  EXPECT_NE(text.find("peak_int8                   1.979 POP/s"), std::string::npos) << text;
}

}  // namespace
}  // namespace orrery::models::device_test
