// What the attention family's sweep and --verify share: the Q, K, V, O tensors
// of a shape (uniform inputs), the gradients and statistics cuDNN's backward
// needs, their binding for cudnn_sdpa.hpp, the FLOP count the cost model uses
// (4 b h s^2 d, halved when causal), and softmax attention on the CPU in double
// precision, [b][h][s][d] like the kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/calibration/cuda/cudnn_sdpa.hpp"
#include "models/calibration/cuda/device_buffer.hpp"
#include "models/calibration/cuda/dtype.hpp"
#include "models/calibration/cuda/flash_attention.hpp"

namespace orrery::models::calibration {

struct Tensors {
  DeviceBuffer q, k, v, o;
  std::size_t q_elements, kv_elements;
};

// The gradients and statistics cuDNN's backward needs, beside Tensors.
struct Gradients {
  DeviceBuffer stats, dout, dq, dk, dv;
};

[[nodiscard]] Tensors make_tensors(Dtype dtype, const AttentionShape& s, std::uint64_t seed);
// dO uniform, the rest uninitialised.
[[nodiscard]] Gradients make_gradients(Dtype dtype, const Tensors& t, const AttentionShape& s,
                                       std::uint64_t seed);
[[nodiscard]] SdpaTensors sdpa_tensors(const Tensors& t, const Gradients& g);
[[nodiscard]] double attention_flops(const AttentionShape& s);
// "bf16 b=4 h=32/8 s=4096 d=128 causal"
[[nodiscard]] std::string attention_shape_text(Dtype d, const AttentionShape& s);
// With `dout`, also adds P^T dO into `dv` (zeroed, kv-sized): the backward's dV.
[[nodiscard]] std::vector<double> reference_attention(const AttentionShape& s, const std::vector<float>& q,
                                                      const std::vector<float>& k,
                                                      const std::vector<float>& v,
                                                      const std::vector<float>* dout = nullptr,
                                                      std::vector<double>* dv = nullptr);

}  // namespace orrery::models::calibration
