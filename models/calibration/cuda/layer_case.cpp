// The buffers and passes of each `layer` kernel (layer_case.hpp), in one
// table per op: which role holds what, its size and how it is filled. T is
// tokens, W width, V the vocabulary (the width, for cross entropy's logits).
#include "models/calibration/cuda/layer_case.hpp"

#include <memory>
#include <random>
#include <vector>

#include "models/calibration/cuda/dtype.hpp"
#include "models/calibration/cuda/layer_kernels.hpp"

namespace orrery::models::calibration {

namespace {

enum class Fill { kNone, kBf16, kFp32, kFp32Positive, kIds };

struct Spec {
  DeviceBuffer LayerCase::*member;
  std::size_t elements;
  Fill fill;
  int id_range = 0;  // kIds: values in [0, id_range)
};

std::size_t element_bytes(Fill f, bool fp32_op) {
  if (f == Fill::kBf16) return 2;
  if (f == Fill::kNone) return fp32_op ? 4 : 2;
  return 4;  // fp32 values and int32 ids
}

std::vector<Spec> specs(LayerOp op, int tokens, int width) {
  const std::size_t tw = static_cast<std::size_t>(tokens) * width;
  const std::size_t w = static_cast<std::size_t>(width);
  const std::size_t t = static_cast<std::size_t>(tokens);
  using C = LayerCase;
  switch (op) {
    case LayerOp::kLayerNorm:
    case LayerOp::kRmsNorm:
      return {{&C::in0, tw, Fill::kBf16},   {&C::in1, w, Fill::kBf16},    {&C::in2, w, Fill::kBf16},
              {&C::in3, tw, Fill::kBf16},   {&C::out0, tw, Fill::kNone},  {&C::saved0, t, Fill::kFp32},
              {&C::saved1, t, Fill::kFp32}, {&C::grad0, tw, Fill::kNone}, {&C::grad1, w, Fill::kFp32},
              {&C::grad2, w, Fill::kFp32}};
    case LayerOp::kGeluTanh:
      return {{&C::in0, tw, Fill::kBf16},
              {&C::in3, tw, Fill::kBf16},
              {&C::out0, tw, Fill::kNone},
              {&C::grad0, tw, Fill::kNone}};
    case LayerOp::kSwiGlu:
      return {{&C::in0, tw, Fill::kBf16},   {&C::in1, tw, Fill::kBf16},    {&C::in3, tw, Fill::kBf16},
              {&C::out0, tw, Fill::kNone},  {&C::saved0, tw, Fill::kNone}, {&C::grad0, tw, Fill::kNone},
              {&C::grad1, tw, Fill::kNone}, {&C::grad2, tw, Fill::kNone}};
    case LayerOp::kAdd:
      return {{&C::in0, tw, Fill::kBf16}, {&C::in1, tw, Fill::kBf16}, {&C::out0, tw, Fill::kNone}};
    case LayerOp::kCrossEntropy:
      return {{&C::in0, tw, Fill::kFp32}, {&C::ids, t, Fill::kIds, width}, {&C::out0, tw, Fill::kFp32},
              {&C::out1, 1, Fill::kFp32}, {&C::grad0, tw, Fill::kFp32},    {&C::grad1, tw, Fill::kFp32}};
    case LayerOp::kEmbedding:
      return {{&C::in0, kEmbeddingVocab * w, Fill::kBf16},
              {&C::ids, t, Fill::kIds, kEmbeddingVocab},
              {&C::in3, tw, Fill::kBf16},
              {&C::out0, tw, Fill::kNone},
              {&C::grad0, kEmbeddingVocab * w, Fill::kFp32}};
    case LayerOp::kAdam:
      return {{&C::in0, tw, Fill::kFp32},
              {&C::in1, tw, Fill::kFp32},
              {&C::in2, tw, Fill::kFp32},
              {&C::in3, tw, Fill::kFp32Positive}};
  }
  return {};
}

void fill(const Spec& s, void* data, std::uint64_t seed) {
  switch (s.fill) {
    case Fill::kNone:
      break;
    case Fill::kBf16:
      fill_uniform(data, s.elements, Dtype::kBf16, seed);
      break;
    case Fill::kFp32:
      fill_uniform(data, s.elements, Dtype::kFp32, seed);
      break;
    case Fill::kFp32Positive:  // Adam's second moment
      fill_uniform(data, s.elements, Dtype::kFp32, seed, 0.0f, 1e-3f);
      break;
    case Fill::kIds: {
      std::mt19937_64 rng(seed);
      std::vector<std::int32_t> ids(s.elements);
      for (auto& id : ids) id = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(s.id_range));
      ORRERY_CUDA_CHECK(cudaMemcpy(data, ids.data(), ids.size() * 4, cudaMemcpyHostToDevice));
      break;
    }
  }
}

template <class T>
T* p(const DeviceBuffer& b) {
  return b.as<T>();
}

void bind(LayerCase& c) {
  using layer::bf16;
  const int t = c.tokens, w = c.width;
  const std::size_t n = static_cast<std::size_t>(t) * w;
  switch (c.op) {
    case LayerOp::kLayerNorm:
      c.forward = [&c, t, w] {
        layer::layernorm_forward(p<bf16>(c.in0), p<bf16>(c.in1), p<bf16>(c.in2), p<bf16>(c.out0),
                                 p<float>(c.saved0), p<float>(c.saved1), t, w);
      };
      c.backward = [&c, t, w] {
        layer::layernorm_backward(p<bf16>(c.in3), p<bf16>(c.in0), p<bf16>(c.in1), p<float>(c.saved0),
                                  p<float>(c.saved1), p<bf16>(c.grad0), p<float>(c.grad1), p<float>(c.grad2),
                                  t, w);
      };
      break;
    case LayerOp::kRmsNorm:
      c.forward = [&c, t, w] {
        layer::rmsnorm_forward(p<bf16>(c.in0), p<bf16>(c.in1), p<bf16>(c.out0), p<float>(c.saved1), t, w);
      };
      c.backward = [&c, t, w] {
        layer::rmsnorm_backward(p<bf16>(c.in3), p<bf16>(c.in0), p<bf16>(c.in1), p<float>(c.saved1),
                                p<bf16>(c.grad0), p<float>(c.grad1), t, w);
      };
      break;
    case LayerOp::kGeluTanh:
      c.forward = [&c, n] { layer::gelu_forward(p<bf16>(c.in0), p<bf16>(c.out0), n); };
      c.backward = [&c, n] { layer::gelu_backward(p<bf16>(c.in3), p<bf16>(c.in0), p<bf16>(c.grad0), n); };
      break;
    case LayerOp::kSwiGlu:
      c.forward = [&c, n] {
        layer::swiglu_forward(p<bf16>(c.in0), p<bf16>(c.in1), p<bf16>(c.saved0), p<bf16>(c.out0), n);
      };
      c.backward = [&c, n] {
        layer::swiglu_backward(p<bf16>(c.in3), p<bf16>(c.in0), p<bf16>(c.in1), p<bf16>(c.saved0),
                               p<bf16>(c.grad2), p<bf16>(c.grad0), p<bf16>(c.grad1), n);
      };
      break;
    case LayerOp::kAdd:
      c.forward = [&c, n] { layer::add_forward(p<bf16>(c.in0), p<bf16>(c.in1), p<bf16>(c.out0), n); };
      break;
    case LayerOp::kCrossEntropy:
      c.forward = [&c, t, w] {
        layer::cross_entropy_forward(p<float>(c.in0), p<std::int32_t>(c.ids), p<float>(c.out0),
                                     p<float>(c.out1), t, w);
      };
      c.backward = [&c, t, w] {
        layer::cross_entropy_backward(p<float>(c.out0), p<std::int32_t>(c.ids), p<float>(c.grad0),
                                      p<float>(c.grad1), t, w);
      };
      break;
    case LayerOp::kEmbedding:
      c.forward = [&c, t, w] {
        layer::embedding_forward(p<bf16>(c.in0), p<std::int32_t>(c.ids), p<bf16>(c.out0), t, w);
      };
      c.backward = [&c, t, w] {
        layer::embedding_backward(p<bf16>(c.in3), p<std::int32_t>(c.ids), p<float>(c.grad0), t, w,
                                  kEmbeddingVocab);
      };
      break;
    case LayerOp::kAdam:
      c.forward = [&c, n] {
        layer::adam_step(p<float>(c.in0), p<float>(c.in1), p<float>(c.in2), p<float>(c.in3), n, {});
      };
      break;
  }
}

}  // namespace

std::string_view layer_op_name(LayerOp op) {
  static constexpr std::array<std::string_view, kLayerOps.size()> kNames{
      "layernorm", "rmsnorm", "gelu_tanh", "swiglu", "add", "cross_entropy", "embedding", "adam"};
  return kNames[static_cast<std::size_t>(op)];
}

bool layer_op_fp32(LayerOp op) {
  return op == LayerOp::kCrossEntropy || op == LayerOp::kAdam;
}

bool layer_op_has_backward(LayerOp op) {
  return op != LayerOp::kAdd && op != LayerOp::kAdam;
}

std::size_t layer_case_bytes(LayerOp op, int tokens, int width) {
  std::size_t bytes = 0;
  for (const Spec& s : specs(op, tokens, width))
    bytes += s.elements * element_bytes(s.fill, layer_op_fp32(op));
  return bytes;
}

std::unique_ptr<LayerCase> make_layer_case(LayerOp op, int tokens, int width, std::uint64_t seed) {
  auto c = std::make_unique<LayerCase>();
  c->op = op;
  c->tokens = tokens;
  c->width = width;
  for (const Spec& s : specs(op, tokens, width)) {
    c.get()->*s.member = DeviceBuffer(s.elements * element_bytes(s.fill, layer_op_fp32(op)));
    fill(s, (c.get()->*s.member).get(), seed++);
  }
  bind(*c);
  return c;
}

}  // namespace orrery::models::calibration
