// GEMM family: cuBLASLt matrix multiplies in bf16, fp16, fp8 (e4m3) and tf32
// over a grid of (m, n, k) — m the tokens (1 to 16384, decode to prefill), n and
// k the weight shape (1024 to 16384) — plus the four linear layers of Megatron
// GPT blocks (QKV, attention projection, MLP up and down; hidden 4096 to 12288;
// tensor parallel 1 and 8). Each shape is timed with timing.hpp's median and
// recorded with its achieved TFLOP/s (2 m n k / time) as a comment. The cost
// model divides 2 m n k by time × peak to get the efficiency it interpolates.
// Then bf16 GEMMs that add into an fp32 D (beta = 1: the weight-gradient GEMMs
// of Megatron-LM's fused gradient accumulation), rows with `accumulate: fp32`,
// over weight shapes (m, n 1024 to 16384, and the GPT blocks' four weights)
// and the tokens of a micro-batch as k (1024 to 16384).
// --verify compares each dtype, and the accumulating GEMM, with a naive fp32
// GEMM on the same inputs.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "models/calibration/cuda/device_buffer.hpp"
#include "models/calibration/cuda/family.hpp"
#include "models/calibration/cuda/gemm_lt.hpp"
#include "models/calibration/cuda/gemm_reference.hpp"

namespace orrery::models::calibration {

namespace {

struct Shape {
  std::int64_t m, n, k;
  bool operator==(const Shape&) const = default;
};

constexpr std::array kDtypes{Dtype::kBf16, Dtype::kFp16, Dtype::kFp8E4M3, Dtype::kTf32};
constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;  // what cuBLAS recommends on Hopper

// The weights of GPT blocks of hidden size h on one of tp ranks, as (inputs,
// outputs): QKV, attention projection, MLP up, MLP down; `add` gets each.
template <class Add>
void for_each_block_weight(const std::vector<std::int64_t>& hiddens, const std::vector<std::int64_t>& tps, Add add) {
  for (std::int64_t h : hiddens) {
    for (std::int64_t tp : tps) {
      for (const auto& [in, out] : {std::pair{h, 3 * h / tp}, std::pair{h / tp, h}, std::pair{h, 4 * h / tp},
                                    std::pair{4 * h / tp, h}}) {
        add(in, out);
      }
    }
  }
}

void add_new(std::vector<Shape>& out, Shape s) {
  if (std::ranges::find(out, s) == out.end()) out.push_back(s);
}

std::vector<Shape> gemm_shapes(bool quick) {
  std::vector<std::int64_t> ms;
  for (std::int64_t m = 1; m <= 16384; m *= 2) ms.push_back(m);
  std::vector<std::int64_t> nks{1024, 2048, 4096, 8192, 16384};
  std::vector<std::int64_t> tokens{2048, 8192};
  std::vector<std::int64_t> hiddens{4096, 8192, 12288};
  std::vector<std::int64_t> tps{1, 8};
  if (quick) {
    ms = {1, 32, 256, 2048, 8192};
    nks = {1024, 4096, 16384};
    tokens = {4096};
    hiddens = {8192};
    tps = {8};
  }
  std::vector<Shape> out;
  for (std::int64_t k : nks) {
    for (std::int64_t n : nks) {
      for (std::int64_t m : ms) out.push_back({m, n, k});
    }
  }
  // A linear layer's forward: Y (tokens × outputs) = X W.
  for (std::int64_t t : tokens) {
    for_each_block_weight(hiddens, tps, [&](std::int64_t in, std::int64_t o) { add_new(out, {t, o, in}); });
  }
  return out;
}

// The weight-gradient GEMMs: dW (m × n, a weight) summed over k tokens.
std::vector<Shape> accumulate_shapes(bool quick) {
  std::vector<std::int64_t> weights{1024, 4096, 16384};
  std::vector<std::int64_t> tokens{1024, 2048, 4096, 8192, 16384};
  std::vector<std::int64_t> hiddens{4096, 8192, 12288};
  std::vector<std::int64_t> tps{1, 8};
  if (quick) {
    weights = {4096};
    tokens = {2048, 8192};
    hiddens = {8192};
    tps = {8};
  }
  std::vector<Shape> out;
  for (std::int64_t k : tokens) {
    for (std::int64_t m : weights) {
      for (std::int64_t n : weights) out.push_back({m, n, k});
    }
    for_each_block_weight(hiddens, tps, [&](std::int64_t in, std::int64_t o) { add_new(out, {in, o, k}); });
  }
  return out;
}

bool has_fp8(const GpuInfo& gpu) {
  return gpu.major > 8 || (gpu.major == 8 && gpu.minor >= 9);
}

std::string fp8_skip_note(const GpuInfo& gpu) {
  return "fp8 skipped: FP8 tensor cores need compute capability 8.9 or newer; this GPU is " +
         std::to_string(gpu.major) + "." + std::to_string(gpu.minor);
}

std::string shape_text(Dtype d, const Shape& s) {
  return std::string(dtype_name(d)) + " m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) +
         " k=" + std::to_string(s.k);
}

// Two device floats, the FP8 per-tensor scales of A and B.
DeviceBuffer make_scales(float a_scale, float b_scale) {
  DeviceBuffer scales(2 * sizeof(float));
  const std::array<float, 2> host{a_scale, b_scale};
  ORRERY_CUDA_CHECK(cudaMemcpy(scales.get(), host.data(), sizeof(host), cudaMemcpyHostToDevice));
  return scales;
}

}  // namespace

namespace {

// Times one shape and adds its row, or records why it was skipped: one
// shape's failure (a refusal, too little memory) skips that shape only.
void measure_shape(const RunContext& ctx, Section& out, const LtHandle& lt, const DeviceBuffer& workspace,
                   const DeviceBuffer& scales, Dtype dtype, const Shape& s, bool accumulate) {
  LtMatmul mm(lt, dtype, s.m, s.n, s.k, kWorkspaceBytes, scales.as<float>(), scales.as<float>() + 1, accumulate);
  const std::size_t in_bytes = dtype_bytes(dtype);
  const std::size_t bytes = static_cast<std::size_t>(s.m * s.k + s.k * s.n) * in_bytes +
                            static_cast<std::size_t>(s.m * s.n) * dtype_bytes(mm.output_dtype());
  const std::string what = shape_text(dtype, s) + (accumulate ? " += fp32" : "");
  std::string reason = mm.supported() ? "" : mm.unsupported_reason();
  if (reason.empty() && !fits_in_device_memory(bytes)) reason = "does not fit in free device memory";
  DeviceBuffer a, b, d;
  if (reason.empty()) {
    a = DeviceBuffer(static_cast<std::size_t>(s.m * s.k) * in_bytes);
    b = DeviceBuffer(static_cast<std::size_t>(s.k * s.n) * in_bytes);
    d = DeviceBuffer(static_cast<std::size_t>(s.m * s.n) * dtype_bytes(mm.output_dtype()));
    fill_uniform(a.get(), static_cast<std::size_t>(s.m * s.k), dtype, 1);
    fill_uniform(b.get(), static_cast<std::size_t>(s.k * s.n), dtype, 2);
    // An accumulating GEMM reads D: give it values (timed runs keep adding to them).
    if (accumulate) fill_uniform(d.get(), static_cast<std::size_t>(s.m * s.n), Dtype::kFp32, 3);
    if (!mm.select_algorithm(a.get(), b.get(), d.get(), workspace.get())) reason = mm.unsupported_reason();
  }
  if (!reason.empty()) {
    std::fprintf(stderr, "gemm: %s skipped: %s\n", what.c_str(), reason.c_str());
    out.skip(what, reason);
    return;
  }
  const double t = median_seconds(ctx.timing, [&] { mm.run(a.get(), b.get(), d.get(), workspace.get()); });
  Row row;
  row.add("dtype", dtype_name(dtype)).add("m", s.m).add("n", s.n).add("k", s.k).add("batch", std::int64_t{1});
  if (accumulate) row.add("accumulate", "fp32");
  row.add_time(t).comment(
      rate(2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k) / t, "FLOP/s"));
  report_row("gemm", row);
  out.add(row);
}

}  // namespace

void measure_gemm(const RunContext& ctx, Section& out) {
  const LtHandle lt;
  const DeviceBuffer workspace(kWorkspaceBytes);
  const DeviceBuffer scales = make_scales(1.0f, 1.0f);
  const std::vector<Shape> shapes = gemm_shapes(ctx.options.quick);
  for (Dtype dtype : kDtypes) {
    if (dtype == Dtype::kFp8E4M3 && !has_fp8(ctx.gpu)) {
      std::fprintf(stderr, "gemm: %s\n", fp8_skip_note(ctx.gpu).c_str());
      out.skip("fp8", fp8_skip_note(ctx.gpu));
      continue;
    }
    if (dtype == Dtype::kFp8E4M3) {
      // Decode shapes (m < 16) break FP8's layout rule by construction: not asked.
      out.note("fp8: m below 16 not measured (cuBLASLt FP8 needs leading dimensions that are multiples of 16)");
    }
    for (const Shape& s : shapes) {
      if (dtype == Dtype::kFp8E4M3 && s.m < 16) continue;
      measure_shape(ctx, out, lt, workspace, scales, dtype, s, false);
    }
  }
  for (const Shape& s : accumulate_shapes(ctx.options.quick)) {
    measure_shape(ctx, out, lt, workspace, scales, Dtype::kBf16, s, true);
  }
}

bool verify_gemm(const RunContext& ctx) {
  // Errors are relative to sum |a b| over k. Rounding the output dominates: bf16
  // keeps 8 significant bits (2^-8), fp16 11 (2^-11); TF32 rounds or truncates each
  // input to 11 bits (up to 2 x 2^-10 per product).
  auto tolerance = [](Dtype d) {
    switch (d) {
      case Dtype::kBf16:
        return 1e-2;
      case Dtype::kFp8E4M3:
        return 1.5e-2;  // bf16 output, fast accumulation
      case Dtype::kTf32:
        return 3e-3;
      default:
        return 2e-3;
    }
  };
  const LtHandle lt;
  const DeviceBuffer workspace(kWorkspaceBytes);
  constexpr float kScaleA = 0.5f;
  constexpr float kScaleB = 0.25f;
  const DeviceBuffer scales = make_scales(kScaleA, kScaleB);
  bool ok = true;
  for (Dtype dtype : kDtypes) {
    if (dtype == Dtype::kFp8E4M3 && !has_fp8(ctx.gpu)) {
      std::fprintf(stderr, "verify gemm: %s\n", fp8_skip_note(ctx.gpu).c_str());
      continue;
    }
    for (const Shape& s : {Shape{96, 80, 64}, Shape{77, 45, 33}, Shape{256, 512, 1024}}) {
      LtMatmul mm(lt, dtype, s.m, s.n, s.k, kWorkspaceBytes, scales.as<float>(), scales.as<float>() + 1);
      if (!mm.supported()) {
        std::fprintf(stderr, "verify gemm %s: skipped, %s\n", shape_text(dtype, s).c_str(),
                     mm.unsupported_reason().c_str());
        continue;
      }
      const auto mk = static_cast<std::size_t>(s.m * s.k);
      const auto kn = static_cast<std::size_t>(s.k * s.n);
      const auto mn = static_cast<std::size_t>(s.m * s.n);
      const DeviceBuffer a(mk * dtype_bytes(dtype));
      const DeviceBuffer b(kn * dtype_bytes(dtype));
      const DeviceBuffer d(mn * dtype_bytes(mm.output_dtype()));
      const DeviceBuffer ref(mn * sizeof(float));
      const DeviceBuffer ref_abs(mn * sizeof(float));
      fill_uniform(a.get(), mk, dtype, 11);
      fill_uniform(b.get(), kn, dtype, 12);
      if (!mm.select_algorithm(a.get(), b.get(), d.get(), workspace.get())) {
        // Skipped, not failed: --verify checks what runs, the sweep records what does not.
        std::fprintf(stderr, "verify gemm %s: skipped, %s\n", shape_text(dtype, s).c_str(),
                     mm.unsupported_reason().c_str());
        continue;
      }
      mm.run(a.get(), b.get(), d.get(), workspace.get());
      const float scale = dtype == Dtype::kFp8E4M3 ? kScaleA * kScaleB : 1.0f;
      reference_gemm_tn(dtype, a.get(), b.get(), scale, static_cast<int>(s.m), static_cast<int>(s.n),
                        static_cast<int>(s.k), ref.as<float>(), ref_abs.as<float>());
      ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
      const std::vector<float> got = to_host_floats(d.get(), mn, mm.output_dtype());
      const std::vector<float> want = to_host_floats(ref.get(), mn, Dtype::kFp32);
      const std::vector<float> size = to_host_floats(ref_abs.get(), mn, Dtype::kFp32);
      double error = 0;
      for (std::size_t i = 0; i < mn; ++i) {
        track_worst(error, std::abs(static_cast<double>(got[i]) - want[i]) / std::max(size[i], 1e-6f));
      }
      ok &= report_check("gemm " + shape_text(dtype, s), error, tolerance(dtype));
    }
  }
  // Accumulating: D = A^T B + D in fp32. D starts at known values; what the
  // GEMM added is compared with the reference (fp32 output: only the products'
  // fp32 accumulation rounds, so the tolerance is fp32's, not bf16's).
  for (const Shape& s : {Shape{96, 80, 64}, Shape{77, 45, 33}, Shape{256, 512, 1024}}) {
    LtMatmul mm(lt, Dtype::kBf16, s.m, s.n, s.k, kWorkspaceBytes, scales.as<float>(), scales.as<float>() + 1, true);
    const std::string what = "gemm " + shape_text(Dtype::kBf16, s) + " += fp32";
    const auto mk = static_cast<std::size_t>(s.m * s.k);
    const auto kn = static_cast<std::size_t>(s.k * s.n);
    const auto mn = static_cast<std::size_t>(s.m * s.n);
    const DeviceBuffer a(mk * dtype_bytes(Dtype::kBf16));
    const DeviceBuffer b(kn * dtype_bytes(Dtype::kBf16));
    const DeviceBuffer d(mn * sizeof(float));
    const DeviceBuffer ref(mn * sizeof(float));
    const DeviceBuffer ref_abs(mn * sizeof(float));
    fill_uniform(a.get(), mk, Dtype::kBf16, 21);
    fill_uniform(b.get(), kn, Dtype::kBf16, 22);
    fill_uniform(d.get(), mn, Dtype::kFp32, 23);
    const std::vector<float> before = to_host_floats(d.get(), mn, Dtype::kFp32);
    // select_algorithm runs the GEMM once: start again from the known values after it.
    if (!mm.supported() || !mm.select_algorithm(a.get(), b.get(), d.get(), workspace.get())) {
      std::fprintf(stderr, "verify %s: skipped, %s\n", what.c_str(), mm.unsupported_reason().c_str());
      continue;
    }
    ORRERY_CUDA_CHECK(cudaMemcpy(d.get(), before.data(), mn * sizeof(float), cudaMemcpyHostToDevice));
    mm.run(a.get(), b.get(), d.get(), workspace.get());
    reference_gemm_tn(Dtype::kBf16, a.get(), b.get(), 1.0f, static_cast<int>(s.m), static_cast<int>(s.n),
                      static_cast<int>(s.k), ref.as<float>(), ref_abs.as<float>());
    ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> got = to_host_floats(d.get(), mn, Dtype::kFp32);
    const std::vector<float> want = to_host_floats(ref.get(), mn, Dtype::kFp32);
    const std::vector<float> size = to_host_floats(ref_abs.get(), mn, Dtype::kFp32);
    double error = 0;
    for (std::size_t i = 0; i < mn; ++i) {
      const double added = static_cast<double>(got[i]) - before[i];
      track_worst(error, std::abs(added - want[i]) / std::max(size[i], 1e-6f));
    }
    ok &= report_check(what, error, 1e-4);
  }
  return ok;
}

}  // namespace orrery::models::calibration
