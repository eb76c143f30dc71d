// Calibration siblings (Device::calibration_sibling, models/compute/cost.hpp):
// a GPU priced from the measured rows of another of the same compute die, on
// its own roofline. Closed forms on round-number devices: the sibling TEST-SIB
// has TEST-GPU's peaks (bf16 100 TFLOP/s, fp32 10 TFLOP/s) and twice its
// bandwidth (2 TB/s against 1 TB/s), no launch overhead; and the shipped H100
// against its own published rows, which the H200's measured rows predict.
#include <gtest/gtest.h>

#include "models/calibration/table.hpp"
#include "models/compute/cost.hpp"
#include "models/data_dir.hpp"
#include "models/devices/device_catalog.hpp"
#include "sim/core/error.hpp"
#include "tests/support/round_number_device.hpp"
#include "tests/support/scenario_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace orrery::models::sibling_test {
namespace {

using task::DType;

// The round-number device renamed, with twice the bandwidth.
std::string sibling_device() {
  return test::replace(test::replace(test::round_number_device_text(), "TEST-GPU", "TEST-SIB"), "1 TB/s",
                       "2 TB/s");
}

// Measured on the sibling: a compute-bound bf16 GEMM (2·4096³ FLOPs take
// 1.374 ms at the peak, its 100.7 MB 50 µs at 2 TB/s), a memory-bound fp32
// one (m = 1: 268.5 MB, 134 µs at 2 TB/s, against 13 µs of FLOPs at 10
// TFLOP/s) and a copy (2 GB moved, 1 ms at 2 TB/s, in 1.6 ms: 0.625).
constexpr const char* kSiblingTable = R"(format: orrery-calibration/1
device: TEST-SIB
provenance: { kind: measured, gpu: "test", date: "2026-01-01" }
gemm:
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "2 ms", source: "test" }
  - { dtype: fp32, m: 1, n: 8192, k: 8192, batch: 1, time: "200 us", source: "test" }
memory:
  - { kernel: copy, bytes: "1 GB", time: "1.6 ms", source: "test" }
)";

// The device's own published rows: a bf16 GEMM the sibling also has, and an
// fp16 one it does not.
constexpr const char* kOwnTable = R"(format: orrery-calibration/1
device: TEST-GPU
provenance: { kind: published, gpu: "test", date: "2026-01-01" }
gemm:
  - { dtype: bf16, m: 4096, n: 4096, k: 4096, batch: 1, time: "3 ms", source: "test" }
  - { dtype: fp16, m: 4096, n: 4096, k: 4096, batch: 1, time: "4 ms", source: "test" }
)";

std::shared_ptr<const Device> target_with_sibling(bool sibling = true) {
  auto base = test::round_number_device("0 ns", R"(peak_fp16: { value: "100 TFLOP/s", source: "test" }
)");
  auto d = std::make_shared<Device>(*base);
  if (sibling) d->sibling = std::make_shared<const Device>(parse_device(sibling_device(), "TEST-SIB.yaml"));
  return d;
}

CalibrationTable own_with_sibling() {
  CalibrationTable t = parse_calibration_table(kOwnTable, "own.yaml");
  t.sibling = std::make_shared<const CalibrationTable>(parse_calibration_table(kSiblingTable, "sib.yaml"));
  return t;
}

TEST(CalibrationSibling, ComputeBoundKeepsTheSiblingsTimeMemoryBoundScalesWithBandwidth) {
  const CalibrationTable table = own_with_sibling();
  const CostModel model(target_with_sibling(), &table);
  // Compute-bound: the same FLOPs at the same peak take the sibling's 2 ms,
  // not the device's own published 3 ms (measured rows of the die first).
  const Cost big = model.cost(task::Gemm{4096, 4096, 4096, 1, DType::kBf16});
  EXPECT_EQ(big.time, Duration::ms(2));
  EXPECT_TRUE(big.calibrated);
  EXPECT_TRUE(big.sibling);
  // Memory-bound: the same share of half the bandwidth, 200 µs × 2 TB/s ÷ 1 TB/s.
  const Cost thin = model.cost(task::Gemm{1, 8192, 8192, 1, DType::kFp32});
  EXPECT_EQ(thin.time, Duration::us(400));
  EXPECT_EQ(thin.bound, Bound::kMemory);
  EXPECT_TRUE(thin.sibling);
  // A pointwise kernel takes the sibling's copy efficiency (0.625) of this
  // device's bandwidth: 4 GB moved at 1 TB/s ÷ 0.625 = 6.4 ms.
  const Cost e = model.cost(task::Elementwise{task::PointwiseKind::kElementwise, 4'000'000'000, 0});
  EXPECT_EQ(e.time, Duration::us(6400));
  EXPECT_TRUE(e.calibrated);
  EXPECT_TRUE(e.sibling);
}

TEST(CalibrationSibling, GroupsTheSiblingLacksFallToTheDevicesOwnRows) {
  const CalibrationTable table = own_with_sibling();
  const CostModel model(target_with_sibling(), &table);
  const Cost c = model.cost(task::Gemm{4096, 4096, 4096, 1, DType::kFp16});
  EXPECT_EQ(c.time, Duration::ms(4));  // the own published row
  EXPECT_TRUE(c.calibrated);
  EXPECT_FALSE(c.sibling);
  // A device that names no sibling (no Device::sibling) reads its own rows only.
  const CostModel alone(target_with_sibling(false), &table);
  EXPECT_EQ(alone.cost(task::Gemm{4096, 4096, 4096, 1, DType::kBf16}).time, Duration::ms(3));
}

// with_sibling() over a folder of tables: it attaches a measured sibling
// table where the device has no measured table of its own.
class SiblingFolder : public ::testing::Test {
 protected:
  std::optional<CalibrationTable> find(const std::string& device) {
    const std::string folder = dir_.root().string();
    return with_sibling(find_calibration_table(folder, device), device, "TEST-SIB", folder);
  }
  test::TempDir dir_;
};

TEST_F(SiblingFolder, AttachesAMeasuredSiblingToAPublishedTableOrToNone) {
  dir_.write("TEST-SIB.measured.yaml", kSiblingTable);
  dir_.write("TEST-GPU.yaml", kOwnTable);
  const auto t = find("TEST-GPU");
  ASSERT_TRUE(t && t->sibling);
  EXPECT_EQ(t->gemm.size(), 2u);  // its own rows stay, for the groups the sibling lacks
  EXPECT_EQ(t->sibling->device, "TEST-SIB");
  // No table of its own: an empty one for the device, carrying the sibling's.
  const auto none = find("OTHER-GPU");
  ASSERT_TRUE(none && none->sibling);
  EXPECT_EQ(none->device, "OTHER-GPU");
  EXPECT_TRUE(none->gemm.empty());
}

TEST_F(SiblingFolder, AMeasuredTableOfItsOwnOrAPublishedSiblingAttachesNothing) {
  dir_.write("TEST-SIB.yaml", test::replace(kSiblingTable, "measured", "published"));
  dir_.write("TEST-GPU.yaml", kOwnTable);
  EXPECT_FALSE(find("TEST-GPU")->sibling);  // the sibling's rows are published, not measured
  dir_.remove("TEST-SIB.yaml");
  dir_.write("TEST-SIB.measured.yaml", kSiblingTable);
  dir_.remove("TEST-GPU.yaml");
  dir_.write("TEST-GPU.measured.yaml", test::replace(kOwnTable, "published", "measured"));
  EXPECT_FALSE(find("TEST-GPU")->sibling);  // its own measurements win
}

// The catalog resolves the sibling and checks that it can stand for the
// device; each bad file gets one message at calibration_sibling's device
// (line 3, column 32 of the texts below).
class SiblingCatalog : public ::testing::Test {
 protected:
  void SetUp() override { dir_.write("TEST-SIB.yaml", sibling_device()); }
  // TEST-GPU (the round-number device, fp32 peak `fp32`) naming `sibling` on its line 3.
  std::string error_of(const std::string& sibling, const std::string& fp32 = "10 TFLOP/s") {
    dir_.write(
        "TEST-GPU.yaml",
        test::replace(
            test::replace(test::round_number_device_text(), "10 TFLOP/s", fp32), "description:",
            "calibration_sibling: { device: " + sibling + ", source: \"the same die\" }\ndescription:"));
    try {
      const DeviceCatalog catalog(dir_.root().string());
      const auto d = catalog.load("TEST-GPU");
      return d->sibling ? "(sibling " + d->sibling->name + ")" : "(no sibling)";
    } catch (const ConfigError& e) {
      return e.what();
    }
  }
  test::TempDir dir_;
};

TEST_F(SiblingCatalog, ResolvesAGoodSibling) {
  EXPECT_EQ(error_of("TEST-SIB"), "(sibling TEST-SIB)");
}

TEST_F(SiblingCatalog, RejectsWhatCannotStandForTheDevice) {
  const std::string at = dir_.path("TEST-GPU.yaml") + ":3:32: error: calibration_sibling.device: ";
  EXPECT_EQ(error_of("TEST-SIP"),
            at + "unknown device 'TEST-SIP'; did you mean 'TEST-SIB'?; valid: TEST-GPU, TEST-SIB");
  EXPECT_EQ(error_of("TEST-GPU"), at + "names the device itself");
  EXPECT_EQ(error_of("TEST-SIB", "20 TFLOP/s"),
            at + "TEST-SIB cannot stand for TEST-GPU: its fp32 peak is 10 TFLOP/s, this device's 20");
  // One step only: a sibling with a sibling of its own,
  dir_.write("TEST-3RD.yaml", test::replace(sibling_device(), "TEST-SIB", "TEST-3RD"));
  dir_.write("TEST-SIB.yaml",
             sibling_device() + "calibration_sibling: { device: TEST-3RD, source: \"x\" }\n");
  EXPECT_EQ(error_of("TEST-SIB"),
            at + "TEST-SIB cannot stand for TEST-GPU: it takes its own calibration from TEST-3RD");
  // and a cycle, found where it closes (line 11 of TEST-SIB.yaml, column 32).
  dir_.write("TEST-SIB.yaml",
             sibling_device() + "calibration_sibling: { device: TEST-GPU, source: \"x\" }\n");
  EXPECT_EQ(error_of("TEST-SIB"),
            dir_.path("TEST-SIB.yaml") +
                ":11:32: error: calibration_sibling.device: calibration siblings form a cycle: "
                "TEST-GPU -> TEST-SIB -> TEST-GPU");
}

// The shipped H100 names the H200 (the same GH100 die): the H200's measured
// GEMMs predict the H100's own published rows, ml-engineering's maximum
// achievable matmul FLOPS (the best shape of a search near each, CUDA 12.1 /
// torch 2.7, where the H200's are CUDA 13.0): bf16 782.84 µs at
// 6144×17920×2816 and 140.55 µs at 2048×2048×13312 come out 6.6% and 2.3%
// slower (a best-of-search row sits at the top of what the library reaches
// near it). fp8: 192.92 µs at 1024×9216×14336 comes out 22% slower, from six
// fp8 rows none of which is within a factor of 2 of that shape; the summary
// counts such time as far from calibration (far_calibration_time_fraction).
TEST(CalibrationSibling, TheH200PredictsTheH100sPublishedRows) {
  const DeviceCatalog catalog(devices_dir());
  const auto h100 = catalog.load("H100-SXM5-80GB");
  ASSERT_TRUE(h100->sibling);
  EXPECT_EQ(h100->sibling->name, "H200-SXM-141GB");
  const auto own = find_calibration_table(calibration_tables_dir(), h100->name);
  ASSERT_TRUE(own);
  const auto table = with_sibling(own, h100->name, h100->calibration_sibling, calibration_tables_dir());
  ASSERT_TRUE(table && table->sibling);
  const CostModel model(h100, &*table);
  const double launch = h100->launch_overhead.value.seconds();
  ASSERT_EQ(own->gemm.size(), 3u);
  const double bounds[] = {0.08, 0.08, 0.25};  // bf16, bf16, fp8 (the comment above)
  for (std::size_t i = 0; i < own->gemm.size(); ++i) {
    const GemmRow& row = own->gemm[i];
    const Cost c = model.cost(row.shape);
    EXPECT_TRUE(c.sibling);
    const double ratio = (c.time.seconds() - launch) / row.time.seconds();
    EXPECT_GT(ratio, 1.0) << i;  // never faster than the best of a search
    EXPECT_LT(ratio, 1.0 + bounds[i]) << i;
    EXPECT_EQ(c.distance > task::kFarCalibration, row.shape.dtype == DType::kFp8) << i;
  }
}

}  // namespace
}  // namespace orrery::models::sibling_test
