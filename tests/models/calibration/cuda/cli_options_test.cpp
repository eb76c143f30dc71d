// The `orrery-calibrate` command line: what each flag sets, and the message of
// every invalid input (cli_options.hpp).
#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

#include "models/calibration/cuda/calibration_errors.hpp"
#include "models/calibration/cuda/cli_options.hpp"

namespace orrery::models::calibration {

namespace {

// The families of calibrate_main.cpp, in its order.
constexpr std::array<std::string_view, 7> kFamilies{"gemm", "memory", "attention", "hashgrid", "mlp", "spmm", "layer"};

Options parse(std::vector<std::string_view> args) {
  return parse_options("/opt/orrery/bin/orrery-calibrate", args, kFamilies);
}

std::string error_of(std::vector<std::string_view> args) {
  try {
    (void)parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(CalibrateOptions, ReadsEveryFlag) {
  const Options o =
      parse({"--quick", "--only", "memory,gemm", "--verify", "--out", "h100.yaml", "--device-name",
             "H100-SXM5-80GB", "--repetitions=7", "--warmup", "0", "--gpu", "1"});
  EXPECT_TRUE(o.quick);
  EXPECT_TRUE(o.verify);
  EXPECT_EQ(o.only, (std::vector<std::string>{"memory", "gemm"}));
  EXPECT_EQ(o.out, "h100.yaml");
  EXPECT_EQ(o.device_name, "H100-SXM5-80GB");
  EXPECT_EQ(o.repetitions, 7);
  EXPECT_EQ(o.warmup, 0);
  EXPECT_EQ(o.gpu, 1);
}

TEST(CalibrateOptions, RecordsTheCommandAsTyped) {
  EXPECT_EQ(parse({"--quick", "--out", "h100.yaml"}).command, "orrery-calibrate --quick --out h100.yaml");
  EXPECT_EQ(parse({"--out", "my table.yaml"}).command, "orrery-calibrate --out 'my table.yaml'");
}

TEST(CalibrateOptions, DefaultsToEveryFamilyTwentySamplesThreeWarmups) {
  const Options o = parse({"--out", "t.yaml"});
  EXPECT_FALSE(o.quick);
  EXPECT_FALSE(o.verify);
  EXPECT_TRUE(o.only.empty());
  EXPECT_EQ(o.repetitions, 20);
  EXPECT_EQ(o.warmup, 3);
  EXPECT_EQ(o.gpu, 0);
  EXPECT_TRUE(parse({"--verify"}).out.empty());
  EXPECT_TRUE(parse({"--help"}).help);
}

TEST(CalibrateOptions, RejectsInvalidInputWithAMessageNamingIt) {
  EXPECT_EQ(error_of({"--only", "gemm,flash", "--out", "t.yaml"}),
            "--only: unknown kernel family 'flash'; valid: gemm, memory, attention, hashgrid, mlp, spmm, layer");
  EXPECT_EQ(error_of({"--out"}), "--out: missing value");
  EXPECT_EQ(error_of({"--out="}), "--out: empty file name");
  EXPECT_EQ(error_of({"--repetitions", "0", "--verify"}), "--repetitions: expected an integer >= 1, got '0'");
  EXPECT_EQ(error_of({"--warmup", "two", "--verify"}), "--warmup: expected an integer >= 0, got 'two'");
  EXPECT_EQ(error_of({"--quick=yes", "--verify"}), "--quick: takes no value");
  EXPECT_EQ(error_of({"--device-name", "H100 SXM", "--verify"}),
            "--device-name: 'H100 SXM' is not a device file name (letters, digits, '-', '_', '.')");
  EXPECT_EQ(error_of({"--fast"}), "unknown argument '--fast'; see --help");
  EXPECT_EQ(error_of({"--quick"}),
            "nothing to do: give --out TABLE.yaml to measure, --verify to check the kernels, or both");
}

TEST(CalibrateOptions, NamesDevicesAsOrreryDeviceFilesDo) {
  EXPECT_EQ(default_device_name("NVIDIA H100 80GB HBM3"), "H100-SXM5-80GB");
  EXPECT_EQ(default_device_name("NVIDIA A100-SXM4-80GB"), "A100-SXM4-80GB");
  EXPECT_EQ(default_device_name("NVIDIA H200"), "H200-SXM-141GB");
  EXPECT_EQ(default_device_name("NVIDIA GeForce RTX 4090"), "GeForce-RTX-4090");
  EXPECT_EQ(default_device_name("NVIDIA L40S"), "L40S");
  EXPECT_EQ(default_device_name("???"), "unknown-gpu");
}

TEST(CalibrateOptions, OnlyTakesTheLayerFamily) {
  EXPECT_EQ(parse({"--only", "layer,attention", "--out", "t.yaml"}).only,
            (std::vector<std::string>{"layer", "attention"}));
  EXPECT_EQ(error_of({"--only", "layers", "--out", "t.yaml"}),
            "--only: unknown kernel family 'layers'; valid: gemm, memory, attention, hashgrid, mlp, spmm, layer");
}

}  // namespace orrery::models::calibration
