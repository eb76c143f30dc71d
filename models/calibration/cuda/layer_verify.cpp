// --verify for the layer family: every kernel, forward and backward, at a
// shape whose width is no multiple of the 256-thread blocks, against the
// textbook formulas evaluated on the CPU in double precision from the very
// inputs the GPU saw (LayerNorm: Ba et al. 2016; RMSNorm: Zhang & Sennrich
// 2019; tanh-GELU: Hendrycks & Gimpel 2016; SwiGLU: Shazeer 2020; AdamW:
// Loshchilov & Hutter 2019; gradients by the chain rule). Errors are relative
// to the largest reference value of each output; bf16 outputs keep 8
// significant bits (2^-8), fp32 outputs far more.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include "models/calibration/cuda/dtype.hpp"
#include "models/calibration/cuda/family.hpp"
#include "models/calibration/cuda/layer_case.hpp"

namespace orrery::models::calibration {

namespace {

using Vec = std::vector<double>;

struct Host {
  int t, w;
  std::vector<float> in0, in1, in2, in3;
  std::vector<std::int32_t> ids;
};

std::vector<float> floats(const DeviceBuffer& b, std::size_t n, bool fp32) {
  return to_host_floats(b.get(), n, fp32 ? Dtype::kFp32 : Dtype::kBf16);
}

double error(const std::vector<float>& got, const Vec& want) {
  double scale = 1e-6;
  for (double v : want) scale = std::max(scale, std::abs(v));
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) track_worst(worst, std::abs(got[i] - want[i]) / scale);
  return worst;
}

// LayerNorm (rms = false) or RMSNorm: y, dx, dgamma, dbeta.
std::vector<Vec> norm_reference(const Host& h, bool rms) {
  Vec y(h.in0.size()), dx(y.size()), dgamma(h.w), dbeta(h.w);
  for (int t = 0; t < h.t; ++t) {
    const float* x = &h.in0[static_cast<std::size_t>(t) * h.w];
    const float* dy = &h.in3[static_cast<std::size_t>(t) * h.w];
    double mu = 0, sq = 0;
    for (int i = 0; i < h.w; ++i) mu += x[i] / static_cast<double>(h.w);
    if (rms) mu = 0;
    for (int i = 0; i < h.w; ++i) sq += (x[i] - mu) * (x[i] - mu) / h.w;
    const double r = 1 / std::sqrt(sq + 1e-5);
    double mg = 0, mgx = 0;
    for (int i = 0; i < h.w; ++i) {
      const double xhat = (x[i] - mu) * r, g = dy[i] * static_cast<double>(h.in1[i]);
      y[t * h.w + i] = xhat * h.in1[i] + (rms ? 0.0 : h.in2[i]);
      mg += g / h.w;
      mgx += g * xhat / h.w;
      dgamma[i] += dy[i] * xhat;
      dbeta[i] += dy[i];
    }
    for (int i = 0; i < h.w; ++i) {
      const double xhat = (x[i] - mu) * r, g = dy[i] * static_cast<double>(h.in1[i]);
      dx[t * h.w + i] = r * (g - (rms ? 0.0 : mg) - xhat * mgx);
    }
  }
  return {y, dx, dgamma, dbeta};
}

double gelu(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
}

// One output to compare: the buffer, its reference, and (for Adam's update)
// the host values to subtract from what the GPU left there first.
struct Expectation {
  const char* what;
  DeviceBuffer LayerCase::*buffer;
  Vec want;
  bool fp32;
  const std::vector<float>* base = nullptr;
};

std::vector<Expectation> cross_entropy_expectations(const Host& h) {
  Vec logp(h.in0.size()), dlogits(h.in0.size()), loss{0};
  for (int t = 0; t < h.t; ++t) {
    const float* x = &h.in0[static_cast<std::size_t>(t) * h.w];
    const double m = *std::max_element(x, x + h.w);
    double s = 0;
    for (int i = 0; i < h.w; ++i) s += std::exp(x[i] - m);
    for (int i = 0; i < h.w; ++i) {
      logp[t * h.w + i] = x[i] - m - std::log(s);
      dlogits[t * h.w + i] = (std::exp(logp[t * h.w + i]) - (i == h.ids[t] ? 1 : 0)) / h.t;
    }
    loss[0] -= logp[t * h.w + h.ids[t]] / h.t;
  }
  return {{"forward log-probabilities", &LayerCase::out0, logp, true},
          {"forward loss", &LayerCase::out1, loss, true},
          {"backward dlogits", &LayerCase::grad1, dlogits, true}};
}

std::vector<Expectation> embedding_expectations(const Host& h) {
  Vec rows(static_cast<std::size_t>(h.t) * h.w), grad(h.in0.size(), 0.0);
  for (int t = 0; t < h.t; ++t) {
    for (int i = 0; i < h.w; ++i) {
      rows[t * h.w + i] = h.in0[static_cast<std::size_t>(h.ids[t]) * h.w + i];
      grad[static_cast<std::size_t>(h.ids[t]) * h.w + i] += h.in3[t * h.w + i];
    }
  }
  return {{"forward rows", &LayerCase::out0, rows, false},
          {"backward table gradient", &LayerCase::grad0, grad, true}};
}

std::vector<Expectation> expectations(LayerOp op, const Host& h) {
  const std::size_t n = static_cast<std::size_t>(h.t) * h.w;
  Vec a(n), b(n), d(n);
  switch (op) {
    case LayerOp::kLayerNorm:
    case LayerOp::kRmsNorm: {
      const bool rms = op == LayerOp::kRmsNorm;
      auto r = norm_reference(h, rms);
      std::vector<Expectation> e{{"forward y", &LayerCase::out0, r[0], false},
                                 {"backward dx", &LayerCase::grad0, r[1], false},
                                 {"backward dgamma", &LayerCase::grad1, r[2], true}};
      if (!rms) e.push_back({"backward dbeta", &LayerCase::grad2, r[3], true});
      return e;
    }
    case LayerOp::kGeluTanh:
      for (std::size_t i = 0; i < n; ++i) {
        const double x = h.in0[i], step = 1e-4;
        a[i] = gelu(x);
        b[i] = h.in3[i] * (gelu(x + step) - gelu(x - step)) /
               (2 * step);  // central difference, not the kernel's formula
      }
      return {{"forward y", &LayerCase::out0, a, false}, {"backward dx", &LayerCase::grad0, b, false}};
    case LayerOp::kSwiGlu:
      for (std::size_t i = 0; i < n; ++i) {
        const double g = h.in0[i], s = 1 / (1 + std::exp(-g));
        a[i] = g * s * h.in1[i];
        b[i] = h.in3[i] * h.in1[i] * s * (1 + g * (1 - s));
        d[i] = h.in3[i] * g * s;
      }
      return {{"forward y", &LayerCase::out0, a, false},
              {"backward dgate", &LayerCase::grad0, b, false},
              {"backward dup", &LayerCase::grad1, d, false}};
    case LayerOp::kAdd:
      for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<double>(h.in0[i]) + h.in1[i];
      return {{"forward", &LayerCase::out0, a, false}};
    case LayerOp::kCrossEntropy:
      return cross_entropy_expectations(h);
    case LayerOp::kEmbedding:
      return embedding_expectations(h);
    case LayerOp::kAdam:
      // Step 1: bias corrections 1 - 0.9 and 1 - 0.999. The update (~lr) is
      // compared, not the parameter (~1), so that an error in it shows.
      for (std::size_t i = 0; i < n; ++i) {
        const double g = h.in1[i], m = 0.9 * h.in2[i] + 0.1 * g, v = 0.999 * h.in3[i] + 0.001 * g * g;
        a[i] = -h.in0[i] * 1e-4 * 0.01 - 1e-4 * (m / 0.1) / (std::sqrt(v / 0.001) + 1e-8);
        b[i] = m;
      }
      return {{"step update", &LayerCase::in0, a, true, &h.in0},
              {"step first moment", &LayerCase::in2, b, true}};
  }
  return {};
}

Host read_inputs(const LayerCase& c) {
  const std::size_t n = static_cast<std::size_t>(c.tokens) * c.width;
  const bool fp32 = layer_op_fp32(c.op);
  const bool vec_in = c.op == LayerOp::kLayerNorm || c.op == LayerOp::kRmsNorm;
  const std::size_t rows =
      c.op == LayerOp::kEmbedding ? static_cast<std::size_t>(kEmbeddingVocab) * c.width : n;
  Host h{c.tokens, c.width, floats(c.in0, rows, fp32), {}, {}, {}, {}};
  if (c.in1.get()) h.in1 = floats(c.in1, vec_in ? c.width : n, fp32);
  if (c.in2.get()) h.in2 = floats(c.in2, vec_in ? c.width : n, fp32);
  if (c.in3.get()) h.in3 = floats(c.in3, n, fp32);
  if (c.ids.get()) {
    h.ids.resize(c.tokens);
    ORRERY_CUDA_CHECK(cudaMemcpy(h.ids.data(), c.ids.get(), c.tokens * 4, cudaMemcpyDeviceToHost));
  }
  return h;
}

bool check_case(LayerOp op, int tokens, int width) {
  const auto c = make_layer_case(op, tokens, width, 101);
  const Host h = read_inputs(*c);
  c->forward();
  if (c->backward) c->backward();
  ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
  bool ok = true;
  for (const Expectation& e : expectations(op, h)) {
    std::vector<float> got = floats((*c).*e.buffer, e.want.size(), e.fp32);
    if (e.base != nullptr) {
      for (std::size_t i = 0; i < got.size(); ++i) got[i] -= (*e.base)[i];
    }
    // The update is a small difference of fp32 parameters near 1 (6e-8 / 1e-4).
    const double tol = e.base != nullptr ? 2e-3 : e.fp32 ? 1e-4 : 1.6e-2;
    ok &= report_check("layer " + std::string(layer_op_name(op)) + " " + e.what, error(got, e.want), tol);
  }
  ORRERY_CUDA_CHECK(cudaGetLastError());
  return ok;
}

}  // namespace

bool verify_layer(const RunContext&) {
  bool ok = true;
  for (LayerOp op : kLayerOps) ok &= check_case(op, 37, op == LayerOp::kCrossEntropy ? 1000 : 300);
  return ok;
}

}  // namespace orrery::models::calibration
