// The command line of `orrery-calibrate`:
//   orrery-calibrate [--quick] [--only gemm,memory,...] [--verify] [--out TABLE.yaml]
//                    [--device-name NAME] [--repetitions N] [--warmup N] [--gpu INDEX]
// Host-only, so that its error messages are tested without a GPU.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace orrery::models::calibration {

struct Options {
  bool help = false;
  bool quick = false;             // the small grid of each family
  bool verify = false;            // check every kernel against a reference first
  std::vector<std::string> only;  // families to run, in the order given; empty: all
  std::string out;                // the table to write; empty: none (only with --verify)
  std::string device_name;        // orrery device file name; empty: derived from the GPU name
  int repetitions = 20;           // timed samples per shape (the median is kept)
  int warmup = 3;                 // untimed runs per shape before the samples
  int gpu = 0;                    // CUDA device index
  std::string command;            // the command line as typed, for the provenance
};

// Parses argv[1..]; `program` is argv[0] and `families` the valid --only names.
// Throws UsageError with a message that names the bad argument.
[[nodiscard]] Options parse_options(std::string_view program, std::span<const std::string_view> args,
                                    std::span<const std::string_view> families);

[[nodiscard]] std::string usage(std::span<const std::string_view> families);

// The orrery device file name for a GPU as CUDA names it: "NVIDIA H100 80GB HBM3"
// -> "H100-SXM5-80GB"; unknown GPUs get their name with "NVIDIA " dropped and
// every run of other characters than letters, digits and '.' turned into '-'.
[[nodiscard]] std::string default_device_name(std::string_view gpu_name);

}  // namespace orrery::models::calibration
