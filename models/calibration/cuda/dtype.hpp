// Element types of the calibration kernels, and the few helpers every family
// needs to make inputs and read results back: a deterministic uniform fill on
// the GPU, and conversions between device elements and host floats (the CPU
// references compute in float or double from exactly the values the GPU saw).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace orrery::models::calibration {

// kTf32 is stored as fp32 and multiplied on tensor cores as TF32.
enum class Dtype { kFp32, kTf32, kFp16, kBf16, kFp8E4M3 };

[[nodiscard]] std::string_view dtype_name(Dtype d);  // "fp32", "tf32", "fp16", "bf16", "fp8"
[[nodiscard]] std::size_t dtype_bytes(Dtype d);

// `count` values uniform in [lo, hi), rounded to `d`; the same seed gives the same values.
void fill_uniform(void* data, std::size_t count, Dtype d, std::uint64_t seed, float lo = -1.0f,
                  float hi = 1.0f);

[[nodiscard]] std::vector<float> to_host_floats(const void* data, std::size_t count, Dtype d);
void from_host_floats(std::span<const float> values, void* data, Dtype d);

// `v` rounded to `d` and widened back (what storing it in `d` keeps).
[[nodiscard]] float round_to(Dtype d, float v);

}  // namespace orrery::models::calibration
