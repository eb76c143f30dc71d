// decode_attention family: decode attention over a paged KV cache
// (decode_attention.hpp) by (dtype, batch, heads, kv_heads, head_dim,
// context): one query token per sequence against `context` cached tokens. The
// serving workload prices a decode step's attention with these rows
// (`cached_attention` with one query). Batch 1 to 256 and context 512 to 8,192
// at Llama-3-8B's heads (32 query, 8 key/value, 128 wide), Llama-3-70B's
// per-rank heads under tp 8 (8 and 1) and multi-head attention (32 and 32).
// Each sequence's blocks are interleaved with the others' in the pool, as a
// cache that has served a while holds them. The comment gives the bandwidth
// counting K, V, q and o once.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "models/calibration/cuda/decode_attention.hpp"
#include "models/calibration/cuda/device_buffer.hpp"
#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

namespace {

struct Buffers {
  DeviceBuffer q, k, v, o, scratch, table;
};

std::size_t kv_elements(const DecodeShape& s) {
  return static_cast<std::size_t>(s.batch) * blocks_per_sequence(s) * s.kv_heads * kKvBlockTokens * s.head_dim;
}

double bytes_moved(Dtype dtype, const DecodeShape& s) {
  const double eb = static_cast<double>(dtype_bytes(dtype));
  return eb * s.batch * s.head_dim * (2.0 * s.kv_heads * s.context + 2.0 * s.heads);
}

// Sequence b's i-th block is block i * batch + b of the pool.
std::vector<std::int32_t> interleaved_table(const DecodeShape& s) {
  const int per = blocks_per_sequence(s);
  std::vector<std::int32_t> t(static_cast<std::size_t>(s.batch) * per);
  for (int b = 0; b < s.batch; ++b)
    for (int i = 0; i < per; ++i) t[static_cast<std::size_t>(b) * per + i] = i * s.batch + b;
  return t;
}

Buffers make_buffers(Dtype dtype, const DecodeShape& s, int splits, std::uint64_t seed) {
  const std::size_t eb = dtype_bytes(dtype);
  const std::size_t qn = static_cast<std::size_t>(s.batch) * s.heads * s.head_dim;
  Buffers b{DeviceBuffer(qn * eb), DeviceBuffer(kv_elements(s) * eb), DeviceBuffer(kv_elements(s) * eb),
            DeviceBuffer(qn * eb), DeviceBuffer(decode_scratch_floats(s, splits) * sizeof(float)),
            DeviceBuffer(static_cast<std::size_t>(s.batch) * blocks_per_sequence(s) * sizeof(std::int32_t))};
  fill_uniform(b.q.get(), qn, dtype, seed);
  fill_uniform(b.k.get(), kv_elements(s), dtype, seed + 1);
  fill_uniform(b.v.get(), kv_elements(s), dtype, seed + 2);
  const std::vector<std::int32_t> table = interleaved_table(s);
  ORRERY_CUDA_CHECK(cudaMemcpy(b.table.get(), table.data(), table.size() * sizeof(std::int32_t), cudaMemcpyHostToDevice));
  return b;
}

std::string shape_text(Dtype dtype, const DecodeShape& s) {
  return "{ dtype: " + std::string(dtype_name(dtype)) + ", batch: " + std::to_string(s.batch) +
         ", heads: " + std::to_string(s.heads) + ", kv_heads: " + std::to_string(s.kv_heads) +
         ", head_dim: " + std::to_string(s.head_dim) + ", context: " + std::to_string(s.context) + " }";
}

void measure_shape(const RunContext& ctx, Dtype dtype, const DecodeShape& s, Section& out) {
  const int splits = decode_splits(s, ctx.gpu.sms);
  const std::size_t need = 2 * kv_elements(s) * dtype_bytes(dtype) + decode_scratch_floats(s, splits) * sizeof(float);
  if (!fits_in_device_memory(need)) {
    std::fprintf(stderr, "decode_attention: %s skipped: does not fit in free device memory\n",
                 shape_text(dtype, s).c_str());
    out.skip(shape_text(dtype, s), "does not fit in free device memory");
    return;
  }
  const Buffers b = make_buffers(dtype, s, splits, 5);
  const double t = median_seconds(ctx.timing, [&] {
    decode_attention(dtype, s, splits, b.q.get(), b.k.get(), b.v.get(), b.table.as<std::int32_t>(),
                     b.scratch.as<float>(), b.o.get());
  });
  Row row;
  row.add("dtype", dtype_name(dtype))
      .add("batch", std::int64_t{s.batch})
      .add("heads", std::int64_t{s.heads})
      .add("kv_heads", std::int64_t{s.kv_heads})
      .add("head_dim", std::int64_t{s.head_dim})
      .add("context", std::int64_t{s.context});
  row.add_time(t).comment(rate(bytes_moved(dtype, s) / t, "B/s"));
  report_row("decode_attention", row);
  out.add(row);
}

}  // namespace

void measure_decode_attention(const RunContext& ctx, Section& out) {
  std::vector<std::pair<int, int>> heads{{32, 8}, {8, 1}, {32, 32}};
  std::vector<int> batches{1, 4, 16, 64, 256};
  std::vector<int> contexts{512, 1024, 2048, 4096, 8192};
  if (ctx.options.quick) {
    heads = {{32, 8}};
    batches = {1, 16, 256};
    contexts = {512, 4096};
  }
  for (const auto& [h, kv] : heads)
    for (const int batch : batches)
      for (const int context : contexts) measure_shape(ctx, Dtype::kBf16, DecodeShape{batch, h, kv, 128, context}, out);
}

bool verify_decode_attention(const RunContext& ctx) {
  bool ok = true;
  // Contexts that end inside a block; one and several chunks.
  for (const DecodeShape s : {DecodeShape{3, 8, 2, 128, 300}, DecodeShape{2, 4, 4, 64, 37}, DecodeShape{1, 8, 1, 128, 1000}}) {
    for (const int splits : {1, decode_splits(s, ctx.gpu.sms)}) {
      const Dtype dtype = Dtype::kBf16;
      const Buffers b = make_buffers(dtype, s, splits, 11);
      decode_attention(dtype, s, splits, b.q.get(), b.k.get(), b.v.get(), b.table.as<std::int32_t>(),
                       b.scratch.as<float>(), b.o.get());
      ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
      const std::size_t qn = static_cast<std::size_t>(s.batch) * s.heads * s.head_dim;
      const auto q = to_host_floats(b.q.get(), qn, dtype);
      const auto k = to_host_floats(b.k.get(), kv_elements(s), dtype);
      const auto v = to_host_floats(b.v.get(), kv_elements(s), dtype);
      const auto o = to_host_floats(b.o.get(), qn, dtype);
      const std::vector<std::int32_t> table = interleaved_table(s);
      const int per = blocks_per_sequence(s);
      const int group = s.heads / s.kv_heads;
      double worst = 0;
      for (int bi = 0; bi < s.batch; ++bi) {
        for (int h = 0; h < s.heads; ++h) {
          const int kvh = h / group;
          const auto at = [&](int t) {
            const std::size_t block = static_cast<std::size_t>(table[static_cast<std::size_t>(bi) * per + t / kKvBlockTokens]);
            return ((block * s.kv_heads + kvh) * kKvBlockTokens + t % kKvBlockTokens) * s.head_dim;
          };
          std::vector<double> score(static_cast<std::size_t>(s.context));
          double top = -1e300;
          for (int t = 0; t < s.context; ++t) {
            double dot = 0;
            for (int e = 0; e < s.head_dim; ++e)
              dot += static_cast<double>(q[(static_cast<std::size_t>(bi) * s.heads + h) * s.head_dim + e]) * k[at(t) + e];
            score[static_cast<std::size_t>(t)] = dot / std::sqrt(static_cast<double>(s.head_dim));
            top = std::max(top, score[static_cast<std::size_t>(t)]);
          }
          double sum = 0;
          for (double& x : score) sum += (x = std::exp(x - top));
          for (int e = 0; e < s.head_dim; ++e) {
            double want = 0;
            for (int t = 0; t < s.context; ++t) want += score[static_cast<std::size_t>(t)] * v[at(t) + e];
            want /= sum;
            const double got = o[(static_cast<std::size_t>(bi) * s.heads + h) * s.head_dim + e];
            track_worst(worst, std::abs(got - want) / (std::abs(want) + 0.05));
          }
        }
      }
      ok = report_check("decode_attention " + shape_text(Dtype::kBf16, s) + " splits " + std::to_string(splits), worst,
                        2e-2) &&
           ok;
    }
  }
  return ok;
}

}  // namespace orrery::models::calibration
