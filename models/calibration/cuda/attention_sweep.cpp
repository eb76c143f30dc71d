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
// --verify is attention_verify.cpp.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "models/calibration/cuda/attention_tensors.hpp"
#include "models/calibration/cuda/family.hpp"

namespace orrery::models::calibration {

namespace {

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

void measure_shape(const RunContext& ctx, Dtype dtype, const AttentionShape& s, Section& out) {
  CudnnSdpa sdpa(dtype, SdpaShape{s.batch, s.heads, s.kv_heads, s.seq, s.head_dim, s.causal});
  const std::size_t bytes = 2 * static_cast<std::size_t>(s.batch) * s.seq * s.head_dim *
                            (2 * s.heads + 2 * s.kv_heads) * dtype_bytes(dtype);
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
  std::fprintf(stderr, "attention: %s skipped: %s\n", attention_shape_text(dtype, s).c_str(), reason.c_str());
  out.skip(attention_shape_text(dtype, s), reason);
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

}  // namespace orrery::models::calibration
