// One shape of one `layer` kernel, ready to run: its device buffers filled
// with uniform inputs, and the forward and backward passes as eager PyTorch
// launches them (layer_kernels.hpp). The backward reads what one forward run
// saved, so run the forward once before timing or checking it. Used by the
// sweep (layer_sweep.cpp) and by --verify (layer_verify.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "models/calibration/cuda/device_buffer.hpp"
#include "sim/task/layer_bytes.hpp"

namespace orrery::models::calibration {

enum class LayerOp { kLayerNorm, kRmsNorm, kGeluTanh, kSwiGlu, kAdd, kCrossEntropy, kEmbedding, kAdam };
inline constexpr std::array kLayerOps{LayerOp::kLayerNorm, LayerOp::kRmsNorm, LayerOp::kGeluTanh,
                                      LayerOp::kSwiGlu,    LayerOp::kAdd,     LayerOp::kCrossEntropy,
                                      LayerOp::kEmbedding, LayerOp::kAdam};

// The table's kernel name: "layernorm", "rmsnorm", "gelu_tanh", "swiglu", "add",
// "cross_entropy", "embedding", "adam".
[[nodiscard]] std::string_view layer_op_name(LayerOp op);
// bf16, except cross entropy's logits and Adam's parameters and states (fp32).
[[nodiscard]] bool layer_op_fp32(LayerOp op);
[[nodiscard]] bool layer_op_has_backward(LayerOp op);
// Embedding rows come from a table of this many rows (not a key of the table:
// only the backward's zero fill of the gradient table depends on it).
inline constexpr int kEmbeddingVocab = static_cast<int>(task::kLayerEmbeddingVocab);

struct LayerCase {
  LayerOp op;
  int tokens, width;
  // Inputs, outputs and saved tensors by role; which are used depends on `op`
  // (layer_case.cpp says, per op, in one place).
  DeviceBuffer in0, in1, in2, in3, out0, out1, out2, saved0, saved1, grad0, grad1, grad2, ids;
  std::function<void()> forward, backward;  // backward empty when the op has none
};

// Device bytes the case allocates, to skip shapes that do not fit.
[[nodiscard]] std::size_t layer_case_bytes(LayerOp op, int tokens, int width);
// Allocates and fills (seeded) the buffers and binds the passes.
[[nodiscard]] std::unique_ptr<LayerCase> make_layer_case(LayerOp op, int tokens, int width,
                                                         std::uint64_t seed);

}  // namespace orrery::models::calibration
