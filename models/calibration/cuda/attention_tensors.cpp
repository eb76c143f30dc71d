// The attention family's shared tensors and CPU reference (attention_tensors.hpp).
#include "models/calibration/cuda/attention_tensors.hpp"

#include <algorithm>
#include <cmath>

namespace orrery::models::calibration {

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

std::string attention_shape_text(Dtype d, const AttentionShape& s) {
  return std::string(dtype_name(d)) + " b=" + std::to_string(s.batch) + " h=" + std::to_string(s.heads) +
         "/" + std::to_string(s.kv_heads) + " s=" + std::to_string(s.seq) +
         " d=" + std::to_string(s.head_dim) + (s.causal ? " causal" : "");
}

// Softmax attention in double precision, [b][h][s][d] like the kernel.
std::vector<double> reference_attention(const AttentionShape& s, const std::vector<float>& q,
                                        const std::vector<float>& k, const std::vector<float>& v,
                                        const std::vector<float>* dout, std::vector<double>* dv) {
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
        if (dout == nullptr) continue;
        for (int j = 0; j < keys; ++j) {  // dV += P^T dO
          for (int c = 0; c < d; ++c) (*dv)[kh + j * d + c] += score[j] / total * (*dout)[qh + i * d + c];
        }
      }
    }
  }
  return out;
}

Gradients make_gradients(Dtype dtype, const Tensors& t, const AttentionShape& s, std::uint64_t seed) {
  const std::size_t e = dtype_bytes(dtype);
  Gradients g{DeviceBuffer(static_cast<std::size_t>(s.batch) * s.heads * s.seq * sizeof(float)),
              DeviceBuffer(t.q_elements * e), DeviceBuffer(t.q_elements * e), DeviceBuffer(t.kv_elements * e),
              DeviceBuffer(t.kv_elements * e)};
  fill_uniform(g.dout.get(), t.q_elements, dtype, seed);
  return g;
}

SdpaTensors sdpa_tensors(const Tensors& t, const Gradients& g) {
  return {t.q.get(),    t.k.get(),  t.v.get(),  t.o.get(), g.stats.get(),
          g.dout.get(), g.dq.get(), g.dk.get(), g.dv.get()};
}

}  // namespace orrery::models::calibration
