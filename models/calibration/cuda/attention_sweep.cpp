// Attention family: the fused kernel of flash_attention.cu over (dtype, batch,
// heads, kv_heads, seq, head_dim, causal). Batch × seq is held at 16384 tokens
// while seq grows from 512 to 16384, with 32 query heads and 32 (MHA) or 8 (GQA)
// key/value heads. The comment gives TFLOP/s counting 4 b h s^2 d FLOPs, halved
// when causal — the count the cost model uses. --verify compares the kernel
// with a softmax attention computed on the CPU in double precision from the
// same inputs, at sequence lengths that are not multiples of the 64-row tiles.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace

void measure_attention(const RunContext& ctx, Section& out) {
  prepare_flash_attention();
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
  for (Dtype dtype : dtypes) {
    for (int d : head_dims) {
      for (int kv : kv_heads) {
        for (bool causal : {false, true}) {
          for (const auto& [batch, seq] : batch_seq) {
            const AttentionShape s{batch, 32, kv, seq, d, causal};
            const std::size_t bytes =
                static_cast<std::size_t>(batch) * seq * d * (2 * 32 + 2 * kv) * dtype_bytes(dtype);
            if (!fits_in_device_memory(bytes)) {
              out.note(shape_text(dtype, s) + " skipped: does not fit in free device memory");
              continue;
            }
            const Tensors t = make_tensors(dtype, s, 7);
            const double time = median_seconds(
                ctx.timing, [&] { flash_attention(dtype, s, t.q.get(), t.k.get(), t.v.get(), t.o.get()); });
            Row row;
            row.add("dtype", dtype_name(dtype))
                .add("batch", std::int64_t{batch})
                .add("heads", std::int64_t{32});
            row.add("kv_heads", std::int64_t{kv})
                .add("seq", std::int64_t{seq})
                .add("head_dim", std::int64_t{d});
            row.add("causal", causal).add_time(time).comment(rate(attention_flops(s) / time, "FLOP/s"));
            report_row("attention", row);
            out.add(row);
          }
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
  }
  return ok;
}

}  // namespace orrery::models::calibration
