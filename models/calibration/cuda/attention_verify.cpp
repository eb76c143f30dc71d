// --verify for the attention family: the project's own flash_attention kernel
// (now only a reference) and cuDNN's fused attention, forward O and backward
// dV, against softmax attention computed on the CPU in double precision from
// the same inputs, at sequence lengths that are not multiples of the tiles.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "models/calibration/cuda/attention_tensors.hpp"
#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

namespace {

// cuDNN's O against the CPU, and its dV = sum over query rows of P^T dO (P the
// softmax probabilities, summed over the query heads sharing a key/value head)
// against the CPU from the same inputs. Skipped, not failed, without cuDNN.
bool verify_cudnn(Dtype dtype, const AttentionShape& s, double tolerance) {
  CudnnSdpa sdpa(dtype, SdpaShape{s.batch, s.heads, s.kv_heads, s.seq, s.head_dim, s.causal});
  const Tensors t = make_tensors(dtype, s, 41);
  const Gradients g = make_gradients(dtype, t, s, 44);
  const DeviceBuffer workspace(static_cast<std::size_t>(sdpa.supported() ? sdpa.workspace_bytes() : 0));
  if (!sdpa.bind(sdpa_tensors(t, g), workspace.get()) || !sdpa.forward() || !sdpa.backward()) {
    std::fprintf(stderr, "verify attention cudnn %s: skipped, %s\n", attention_shape_text(dtype, s).c_str(),
                 sdpa.reason().c_str());
    return true;
  }
  ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
  const auto q = to_host_floats(t.q.get(), t.q_elements, dtype),
             k = to_host_floats(t.k.get(), t.kv_elements, dtype);
  const auto v = to_host_floats(t.v.get(), t.kv_elements, dtype),
             dout = to_host_floats(g.dout.get(), t.q_elements, dtype);
  std::vector<double> dv(t.kv_elements, 0.0);
  const std::vector<double> want = reference_attention(s, q, k, v, &dout, &dv);
  const std::vector<float> got = to_host_floats(t.o.get(), t.q_elements, dtype);
  const std::vector<float> got_dv = to_host_floats(g.dv.get(), t.kv_elements, dtype);
  double error = 0, dv_error = 0, dv_scale = 1e-6;
  for (std::size_t i = 0; i < got.size(); ++i) track_worst(error, std::abs(got[i] - want[i]));
  for (double x : dv) dv_scale = std::max(dv_scale, std::abs(x));
  for (std::size_t i = 0; i < dv.size(); ++i) track_worst(dv_error, std::abs(got_dv[i] - dv[i]) / dv_scale);
  bool ok = report_check("attention cudnn forward " + attention_shape_text(dtype, s) + " (max abs error)",
                         error, tolerance);
  return ok & report_check("attention cudnn backward dV " + attention_shape_text(dtype, s) + " (relative)",
                           dv_error, 2e-2);
}

}  // namespace

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
    ok &= report_check("attention " + attention_shape_text(dtype, s) + " (max abs error)", error,
                       dtype == Dtype::kBf16 ? 1.2e-2 : 2e-3);
    if (!s.causal) ok &= verify_cudnn(dtype, s, dtype == Dtype::kBf16 ? 1.2e-2 : 2e-3);
  }
  return ok;
}
}  // namespace orrery::models::calibration
