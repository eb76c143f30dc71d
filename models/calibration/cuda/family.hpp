// A kernel family of `orrery-calibrate`: a name (the --only value and the YAML
// section), a sweep that appends one row per measured shape, and a --verify
// check against a simple reference on small sizes. Adding a family is one file
// defining `measure_x` and `verify_x`, their declarations here and one line in
// all_families() (calibrate_main.cpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include "models/calibration/cuda/calibration_table.hpp"
#include "models/calibration/cuda/cli_options.hpp"
#include "models/calibration/cuda/timing.hpp"

namespace orrery::models::calibration {

struct GpuInfo {
  int index = 0;
  std::string name;
  int major = 0;  // compute capability
  int minor = 0;
  int sms = 0;
  std::size_t memory_bytes = 0;
};

struct RunContext {
  const Options& options;
  GpuInfo gpu;
  TimingPolicy timing;
};

struct Family {
  std::string_view name;
  void (*measure)(const RunContext&, Section&);
  bool (*verify)(const RunContext&);  // prints one line per check on stderr; true if all pass
};

// Progress on stderr: "gemm: { dtype: bf16, ... }  # 812 TFLOP/s".
void report_row(std::string_view family, const Row& row);
// One --verify line on stderr; returns error <= tolerance.
bool report_check(std::string_view what, double error, double tolerance);
// worst = max(worst, error), where a NaN error counts as infinitely wrong.
inline void track_worst(double& worst, double error) {
  worst = std::isnan(error) ? std::numeric_limits<double>::infinity() : std::fmax(worst, error);
}
// "812.3 TFLOP/s", "3.12 TB/s": `per_second` with four significant digits and a decimal prefix.
[[nodiscard]] std::string rate(double per_second, std::string_view unit);

void measure_decode_attention(const RunContext& ctx, Section& out);
bool verify_decode_attention(const RunContext& ctx);
void measure_gemm(const RunContext& ctx, Section& out);
bool verify_gemm(const RunContext& ctx);
void measure_memory(const RunContext& ctx, Section& out);
bool verify_memory(const RunContext& ctx);
void measure_attention(const RunContext& ctx, Section& out);
bool verify_attention(const RunContext& ctx);
void measure_hashgrid(const RunContext& ctx, Section& out);
bool verify_hashgrid(const RunContext& ctx);
void measure_mlp(const RunContext& ctx, Section& out);
bool verify_mlp(const RunContext& ctx);
void measure_spmm(const RunContext& ctx, Section& out);
bool verify_spmm(const RunContext& ctx);
void measure_layer(const RunContext& ctx, Section& out);
bool verify_layer(const RunContext& ctx);

}  // namespace orrery::models::calibration
