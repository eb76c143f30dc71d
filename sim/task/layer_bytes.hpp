// The bytes a memory-bound layer kernel (a LayerOp, a `layer` calibration row)
// must move at least — the B of models/calibration/README.md's table — from
// its kernel, pass, element
// size s (2 for bf16, 4 for fp32), tokens T and width W. Eager kernels move
// more (LayerNorm's backward reads its inputs twice); the ratio B / time is
// what the efficiency of a row measures. Header-only and free of orrery's
// types, so that orrery-calibrate (its rate comments), the operation's work
// (operation.cpp) and the cost model use one formula. Returns 0 for a kernel
// it does not know.
#pragma once

#include <string_view>

namespace orrery::task {

// Rows of the embedding table whose gradient the backward zero-fills: not a key
// of the table; orrery-calibrate measures with this many.
inline constexpr double kLayerEmbeddingVocab = 32768;

[[nodiscard]] constexpr double layer_min_bytes(std::string_view kernel, bool backward, double s, double t,
                                               double w) {
  const double tw = t * w;
  if (kernel ==
      "layernorm")  // x, gamma, beta -> y, fp32 mean and rstd | dy, x, gamma, stats -> dx, fp32 dgamma, dbeta
    return backward ? 3 * s * tw + s * w + 8 * t + 8 * w : 2 * s * tw + 2 * s * w + 8 * t;
  if (kernel == "rmsnorm")  // as LayerNorm without the mean and beta
    return backward ? 3 * s * tw + s * w + 4 * t + 4 * w : 2 * s * tw + s * w + 4 * t;
  if (kernel == "gelu_tanh") return backward ? 3 * s * tw : 2 * s * tw;  // x -> y | dy, x -> dx
  if (kernel == "swiglu")
    return backward ? 5 * s * tw : 3 * s * tw;  // gate, up -> y | dy, gate, up -> dgate, dup
  if (kernel == "add") return 3 * s * tw;
  if (kernel == "cross_entropy")  // logits -> saved log-probabilities, int32 targets | logp -> dlogits
    return backward ? 2 * s * tw + 4 * t : 2 * s * tw + 4 * t;
  if (kernel == "embedding")  // ids, rows -> out | ids, dout -> fp32 gradient table (zero-filled)
    return backward ? s * tw + 4 * t + 4 * kLayerEmbeddingVocab * w : 2 * s * tw + 4 * t;
  if (kernel == "adam") return 7 * s * tw;  // p, g, m, v read; p, m, v written
  return 0;
}

}  // namespace orrery::task
