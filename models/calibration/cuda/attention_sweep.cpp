// Attention family: cuDNN's fused scaled-dot-product attention (cudnn_sdpa.hpp,
// what PyTorch's SDPA runs on its cuDNN backend), forward and backward timed
// separately — the backward alone, after one forward has written O and the
// softmax statistics — over (dtype, batch, heads, kv_heads, seq, head_dim).
// Batch × seq is held at 16384 tokens while seq grows from 512 to 16384, with
// 32 query heads and 32 (MHA) or 8 (GQA) key/value heads. Rows say
// `pass: forward | backward` and `backend: cudnn`. The comment gives TFLOP/s
// counting 4 b h s^2 d FLOPs forward (halved when causal, the count the cost
// model uses) and 2.5 times that backward (five matrix products to two).
// Causal shapes are not measured here (cudnn_sdpa.hpp says why). A shape cuDNN
// refuses, or a missing cuDNN, is a skipped shape; the sweep goes on.
// --verify checks cuDNN's O and dV, and the project's own flash_attention
// kernel (now only a reference), against softmax attention computed on the
// CPU in double precision from the same inputs.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "models/calibration/cuda/cudnn_sdpa.hpp"
#include "models/calibration/cuda/device_buffer.hpp"
#include "models/calibration/cuda/family.hpp"
#include "models/calibration/cuda/flash_attention.hpp"

namespace orrery::models::calibration {

namespace {

struct Tensors {
  DeviceBuffer q, k, v, o;
  std::size_t q_elements, kv_elements;
};

Tensors make_tensors(Dtype dtype, const AttentionShape& s, std::uint64_t seed) {
  const std::size_t tokens = static_cast<std::size_t>(s.batch) * s.seq * s.head_dim;
  Tensors t{DeviceBuffer(tokens * s.heads * dtype_bytes(dtype)),
            DeviceBuffer(tokens * s.kv_heads * dtype_bytes(dtype)),
            DeviceBuffer(tokens * s.kv_heads * dtype_bytes(dtype)),
            DeviceBuffer(tokens * s.heads * dtype_bytes(dtype)),
            tokens * s.heads,
            tokens * s.kv_heads};
  fill_uniform(t.q.get(), t.q_elements, dtype, seed);
  fill_uniform(t.k.get(), t.kv_elements, dtype, seed + 1);
  fill_uniform(t.v.get(), t.kv_elements, dtype, seed + 2);
  return t;
}

double attention_flops(const AttentionShape& s) {
  const double full = 4.0 * s.batch * s.heads * static_cast<double>(s.seq) * s.seq * s.head_dim;
  return s.causal ? full / 2 : full;
}

std::string shape_text(Dtype d, const AttentionShape& s) {
  return std::string(dtype_name(d)) + " b=" + std::to_string(s.batch) + " h=" + std::to_string(s.heads) +
         "/" + std::to_string(s.kv_heads) + " s=" + std::to_string(s.seq) +
         " d=" + std::to_string(s.head_dim) + (s.causal ? " causal" : "");
}

// Softmax attention in double precision, [b][h][s][d] like the kernel.
std::vector<double> reference_attention(const AttentionShape& s, const std::vector<float>& q,
                                        const std::vector<float>& k, const std::vector<float>& v) {
  const int d = s.head_dim;
  std::vector<double> out(q.size());
  std::vector<double> score(static_cast<std::size_t>(s.seq));
  for (int b = 0; b < s.batch; ++b) {
    for (int h = 0; h < s.heads; ++h) {
      const std::size_t qh = (static_cast<std::size_t>(b) * s.heads + h) * s.seq * d;
      const std::size_t kh =
          (static_cast<std::size_t>(b) * s.kv_heads + h / (s.heads / s.kv_heads)) * s.seq * d;
      for (int i = 0; i < s.seq; ++i) {
        const int keys = s.causal ? i + 1 : s.seq;
        double max_score = -INFINITY;
        for (int j = 0; j < keys; ++j) {
          double dot = 0;
          for (int c = 0; c < d; ++c) dot += static_cast<double>(q[qh + i * d + c]) * k[kh + j * d + c];
          score[j] = dot / std::sqrt(static_cast<double>(d));
          max_score = std::max(max_score, score[j]);
        }
        double total = 0;
        for (int j = 0; j < keys; ++j) total += score[j] = std::exp(score[j] - max_score);
        for (int c = 0; c < d; ++c) {
          double acc = 0;
          for (int j = 0; j < keys; ++j) acc += score[j] * v[kh + j * d + c];
          out[qh + i * d + c] = acc / total;
        }
      }
    }
  }
  return out;
}

void add_row(Section& out, Dtype dtype, const AttentionShape& s, bool backward, double time) {
  Row row;
  row.add("dtype", dtype_name(dtype))
      .add("batch", std::int64_t{s.batch})
      .add("heads", std::int64_t{s.heads})
      .add("kv_heads", std::int64_t{s.kv_heads})
      .add("seq", std::int64_t{s.seq})
      .add("head_dim", std::int64_t{s.head_dim})
      .add("causal", s.causal)
      .add("pass", backward ? "backward" : "forward")
      .add("backend", "cudnn");
  row.add_time(time).comment(rate(attention_flops(s) * (backward ? 2.5 : 1.0) / time, "FLOP/s"));
  report_row("attention", row);
  out.add(row);
}

// The gradients and statistics cuDNN's backward needs, beside Tensors.
struct Gradients {
  DeviceBuffer stats, dout, dq, dk, dv;
};

Gradients make_gradients(Dtype dtype, const Tensors& t, const AttentionShape& s, std::uint64_t seed) {
  const std::size_t e = dtype_bytes(dtype);
  Gradients g{DeviceBuffer(static_cast<std::size_t>(s.batch) * s.heads * s.seq * sizeof(float)),
              DeviceBuffer(t.q_elements * e), DeviceBuffer(t.q_elements * e), DeviceBuffer(t.kv_elements * e),
              DeviceBuffer(t.kv_elements * e)};
  fill_uniform(g.dout.get(), t.q_elements, dtype, seed);
  return g;
}

SdpaTensors sdpa_tensors(const Tensors& t, const Gradients& g) {
  return {t.q.get(), t.k.get(), t.v.get(), t.o.get(), g.stats.get(), g.dout.get(), g.dq.get(), g.dk.get(), g.dv.get()};
}

void measure_shape(const RunContext& ctx, Dtype dtype, const AttentionShape& s, Section& out) {
  CudnnSdpa sdpa(dtype, SdpaShape{s.batch, s.heads, s.kv_heads, s.seq, s.head_dim, s.causal});
  const std::size_t bytes = 2 * static_cast<std::size_t>(s.batch) * s.seq * s.head_dim * (2 * s.heads + 2 * s.kv_heads) *
                            dtype_bytes(dtype);
  std::string reason = sdpa.supported() ? "" : sdpa.reason();
  if (reason.empty() && !fits_in_device_memory(bytes + static_cast<std::size_t>(sdpa.workspace_bytes())))
    reason = "does not fit in free device memory";
  if (reason.empty()) {
    const Tensors t = make_tensors(dtype, s, 7);
    const Gradients g = make_gradients(dtype, t, s, 10);
    const DeviceBuffer workspace(static_cast<std::size_t>(sdpa.workspace_bytes()));
    if (sdpa.bind(sdpa_tensors(t, g), workspace.get()) && sdpa.forward() && sdpa.backward()) {
      add_row(out, dtype, s, false, median_seconds(ctx.timing, [&] { (void)sdpa.forward(); }));
      add_row(out, dtype, s, true, median_seconds(ctx.timing, [&] { (void)sdpa.backward(); }));
      return;
    }
    reason = sdpa.reason();
  }
  std::fprintf(stderr, "attention: %s skipped: %s\n", shape_text(dtype, s).c_str(), reason.c_str());
  out.skip(shape_text(dtype, s), reason);
}

// cuDNN's O against the CPU, and its dV = sum over query rows of P^T dO (P the
// softmax probabilities, summed over the query heads sharing a key/value head)
// against the CPU from the same inputs. Skipped, not failed, without cuDNN.
bool verify_cudnn(Dtype dtype, const AttentionShape& s, double tolerance) {
  CudnnSdpa sdpa(dtype, SdpaShape{s.batch, s.heads, s.kv_heads, s.seq, s.head_dim, s.causal});
  const Tensors t = make_tensors(dtype, s, 41);
  const Gradients g = make_gradients(dtype, t, s, 44);
  const DeviceBuffer workspace(static_cast<std::size_t>(sdpa.supported() ? sdpa.workspace_bytes() : 0));
  if (!sdpa.bind(sdpa_tensors(t, g), workspace.get()) || !sdpa.forward() || !sdpa.backward()) {
    std::fprintf(stderr, "verify attention cudnn %s: skipped, %s\n", shape_text(dtype, s).c_str(),
                 sdpa.reason().c_str());
    return true;
  }
  ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
  const auto q = to_host_floats(t.q.get(), t.q_elements, dtype), k = to_host_floats(t.k.get(), t.kv_elements, dtype);
  const auto v = to_host_floats(t.v.get(), t.kv_elements, dtype), dout = to_host_floats(g.dout.get(), t.q_elements, dtype);
  const std::vector<double> want = reference_attention(s, q, k, v);
  const std::vector<float> got = to_host_floats(t.o.get(), t.q_elements, dtype);
  // dV: probabilities P from a second reference pass with V = one-hot columns is
  // costly; recompute P row by row instead.
  std::vector<double> dv(t.kv_elements, 0.0), p(static_cast<std::size_t>(s.seq));
  const int d = s.head_dim;
  for (int b = 0; b < s.batch; ++b) {
    for (int h = 0; h < s.heads; ++h) {
      const std::size_t qh = (static_cast<std::size_t>(b) * s.heads + h) * s.seq * d;
      const std::size_t kh = (static_cast<std::size_t>(b) * s.kv_heads + h / (s.heads / s.kv_heads)) * s.seq * d;
      for (int i = 0; i < s.seq; ++i) {
        double m = -INFINITY, total = 0;
        for (int j = 0; j < s.seq; ++j) {
          double dot = 0;
          for (int c = 0; c < d; ++c) dot += static_cast<double>(q[qh + i * d + c]) * k[kh + j * d + c];
          m = std::max(m, p[j] = dot / std::sqrt(static_cast<double>(d)));
        }
        for (int j = 0; j < s.seq; ++j) total += p[j] = std::exp(p[j] - m);
        for (int j = 0; j < s.seq; ++j)
          for (int c = 0; c < d; ++c) dv[kh + j * d + c] += p[j] / total * dout[qh + i * d + c];
      }
    }
  }
  const std::vector<float> got_dv = to_host_floats(g.dv.get(), t.kv_elements, dtype);
  double error = 0, dv_error = 0, dv_scale = 1e-6;
  for (std::size_t i = 0; i < got.size(); ++i) track_worst(error, std::abs(got[i] - want[i]));
  for (double x : dv) dv_scale = std::max(dv_scale, std::abs(x));
  for (std::size_t i = 0; i < dv.size(); ++i) track_worst(dv_error, std::abs(got_dv[i] - dv[i]) / dv_scale);
  bool ok = report_check("attention cudnn forward " + shape_text(dtype, s) + " (max abs error)", error, tolerance);
  return ok & report_check("attention cudnn backward dV " + shape_text(dtype, s) + " (relative)", dv_error, 2e-2);
}

}  // namespace

void measure_attention(const RunContext& ctx, Section& out) {
  std::vector<Dtype> dtypes{Dtype::kBf16, Dtype::kFp16};
  std::vector<int> head_dims{64, 128};
  std::vector<int> kv_heads{32, 8};
  std::vector<std::pair<int, int>> batch_seq{{32, 512}, {16, 1024}, {8, 2048},
                                             {4, 4096}, {2, 8192},  {1, 16384}};
  if (ctx.options.quick) {
    dtypes = {Dtype::kBf16};
    head_dims = {128};
    kv_heads = {32};
    batch_seq = {{16, 1024}, {4, 4096}, {1, 16384}};
  }
  out.note("causal: not measured (no causal attribute in cuDNN's backend SDPA node); imported rows cover it");
  for (Dtype dtype : dtypes) {
    for (int d : head_dims) {
      for (int kv : kv_heads) {
        for (const auto& [batch, seq] : batch_seq) {
          const AttentionShape s{batch, 32, kv, seq, d, false};
          measure_shape(ctx, dtype, s, out);
        }
      }
    }
  }
}

bool verify_attention(const RunContext&) {
  prepare_flash_attention();
  const std::array<std::pair<Dtype, AttentionShape>, 5> cases{{
      {Dtype::kBf16, {2, 4, 2, 200, 128, true}},
      {Dtype::kBf16, {2, 4, 2, 200, 128, false}},
      {Dtype::kFp16, {1, 2, 2, 64, 64, true}},
      {Dtype::kFp16, {1, 3, 1, 300, 64, false}},
      {Dtype::kBf16, {1, 2, 1, 1, 64, true}},
  }};
  bool ok = true;
  for (const auto& [dtype, s] : cases) {
    const Tensors t = make_tensors(dtype, s, 21);
    flash_attention(dtype, s, t.q.get(), t.k.get(), t.v.get(), t.o.get());
    ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<double> want = reference_attention(s, to_host_floats(t.q.get(), t.q_elements, dtype),
                                                         to_host_floats(t.k.get(), t.kv_elements, dtype),
                                                         to_host_floats(t.v.get(), t.kv_elements, dtype));
    const std::vector<float> got = to_host_floats(t.o.get(), t.q_elements, dtype);
    double error = 0;
    for (std::size_t i = 0; i < got.size(); ++i) track_worst(error, std::abs(got[i] - want[i]));
    // Outputs are averages of values in [-1, 1]. Rounding P to the input type (2^-8
    // relative in bf16, 2^-11 in fp16) moves them by at most about that times 2 max|v|,
    // and rounding O adds u |O|; an indexing or masking bug moves rows with few keys by
    // tenths.
    ok &= report_check("attention " + shape_text(dtype, s) + " (max abs error)", error,
                       dtype == Dtype::kBf16 ? 1.2e-2 : 2e-3);
    if (!s.causal) ok &= verify_cudnn(dtype, s, dtype == Dtype::kBf16 ? 1.2e-2 : 2e-3);
  }
  return ok;
}

}  // namespace orrery::models::calibration
