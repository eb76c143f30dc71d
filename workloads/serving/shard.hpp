// One tensor-parallel rank's share of a served model, and the byte sizes the
// serving cost model and its memory plan both use.
#pragma once

#include <algorithm>
#include <cstdint>

#include "workloads/serving/serving_spec.hpp"

namespace orrery::workload::serving {

inline double eb(DType t) { return bytes_per_element(t); }
// Activations and non-GEMM kernels run in 16-bit when the GEMMs run in fp8 (FP8 W8A8 serving).
inline DType activation_type(DType t) { return t == DType::kFp8 ? DType::kBf16 : t; }
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

struct Shard {
  std::int64_t heads, kv_heads, head_dim, ffn;
};
// One tensor-parallel rank's share: heads and the MLP split tp ways; key/value
// heads too while there are enough of them, else each rank keeps one (vLLM
// replicates a key/value head across the ranks that share it).
inline Shard shard(const ServingParams& p) {
  const auto& m = p.model;
  return {m.heads / p.tp, std::max<std::int64_t>(1, m.kv_heads / p.tp), m.head_dim(), m.ffn_hidden / p.tp};
}

}  // namespace orrery::workload::serving
