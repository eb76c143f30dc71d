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

bool check_case(LayerOp op, int tokens, int width) {
  const auto c = make_layer_case(op, tokens, width, 101);
  const std::size_t n = static_cast<std::size_t>(tokens) * width;
  const bool fp32 = layer_op_fp32(op);
  const bool embed = op == LayerOp::kEmbedding;
  const std::size_t rows = embed ? static_cast<std::size_t>(kEmbeddingVocab) * width : n;
  const bool vec_in = op == LayerOp::kLayerNorm || op == LayerOp::kRmsNorm;
  Host h{tokens, width, floats(c->in0, rows, fp32), {}, {}, {}, {}};
  if (c->in1.get()) h.in1 = floats(c->in1, vec_in ? width : n, fp32);
  if (c->in2.get()) h.in2 = floats(c->in2, vec_in ? width : n, fp32);
  if (c->in3.get()) h.in3 = floats(c->in3, n, fp32);
  if (c->ids.get()) {
    h.ids.resize(tokens);
    ORRERY_CUDA_CHECK(cudaMemcpy(h.ids.data(), c->ids.get(), tokens * 4, cudaMemcpyDeviceToHost));
  }
  c->forward();
  if (c->backward) c->backward();
  ORRERY_CUDA_CHECK(cudaDeviceSynchronize());
  const double tol = fp32 ? 1e-4 : 1.6e-2;
  const std::string name = std::string("layer ") + std::string(layer_op_name(op));
  bool ok = true;
  auto expect = [&](const char* what, const DeviceBuffer& b, const Vec& want, bool out_fp32) {
    ok &=
        report_check(name + " " + what, error(floats(b, want.size(), out_fp32), want), out_fp32 ? 1e-4 : tol);
  };
  Vec a(n), b(n), d(n);
  switch (op) {
    case LayerOp::kLayerNorm:
    case LayerOp::kRmsNorm: {
      const auto r = norm_reference(h, op == LayerOp::kRmsNorm);
      expect("forward y", c->out0, r[0], false);
      expect("backward dx", c->grad0, r[1], false);
      expect("backward dgamma", c->grad1, r[2], true);
      if (op == LayerOp::kLayerNorm) expect("backward dbeta", c->grad2, r[3], true);
      break;
    }
    case LayerOp::kGeluTanh:
      for (std::size_t i = 0; i < n; ++i) {
        const double x = h.in0[i], e = 1e-4;
        a[i] = gelu(x);
        b[i] = h.in3[i] * (gelu(x + e) - gelu(x - e)) /
               (2 * e);  // central difference, independent of the kernel's formula
      }
      expect("forward y", c->out0, a, false);
      expect("backward dx", c->grad0, b, false);
      break;
    case LayerOp::kSwiGlu:
      for (std::size_t i = 0; i < n; ++i) {
        const double g = h.in0[i], s = 1 / (1 + std::exp(-g));
        a[i] = g * s * h.in1[i];
        b[i] = h.in3[i] * h.in1[i] * s * (1 + g * (1 - s));
        d[i] = h.in3[i] * g * s;
      }
      expect("forward y", c->out0, a, false);
      expect("backward dgate", c->grad0, b, false);
      expect("backward dup", c->grad1, d, false);
      break;
    case LayerOp::kAdd:
      for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<double>(h.in0[i]) + h.in1[i];
      expect("forward", c->out0, a, false);
      break;
    case LayerOp::kCrossEntropy: {
      Vec loss{0};
      for (int t = 0; t < tokens; ++t) {
        const float* x = &h.in0[static_cast<std::size_t>(t) * width];
        double m = *std::max_element(x, x + width), s = 0;
        for (int i = 0; i < width; ++i) s += std::exp(x[i] - m);
        for (int i = 0; i < width; ++i) {
          a[t * width + i] = x[i] - m - std::log(s);
          b[t * width + i] = (std::exp(a[t * width + i]) - (i == h.ids[t] ? 1 : 0)) / tokens;
        }
        loss[0] -= a[t * width + h.ids[t]] / tokens;
      }
      expect("forward log-probabilities", c->out0, a, true);
      expect("forward loss", c->out1, loss, true);
      expect("backward dlogits", c->grad1, b, true);
      break;
    }
    case LayerOp::kEmbedding: {
      Vec grad(rows, 0.0);
      for (int t = 0; t < tokens; ++t) {
        for (int i = 0; i < width; ++i) {
          a[t * width + i] = h.in0[static_cast<std::size_t>(h.ids[t]) * width + i];
          grad[static_cast<std::size_t>(h.ids[t]) * width + i] += h.in3[t * width + i];
        }
      }
      expect("forward rows", c->out0, a, false);
      expect("backward table gradient", c->grad0, grad, true);
      break;
    }
    case LayerOp::kAdam: {
      // Step 1: bias corrections 1 - 0.9 and 1 - 0.999. The update (~lr) is
      // compared, not the parameter (~1), so that an error in it shows.
      const std::vector<float> p = floats(c->in0, n, true);
      std::vector<float> update(n);
      for (std::size_t i = 0; i < n; ++i) {
        const double g = h.in1[i], m = 0.9 * h.in2[i] + 0.1 * g, v = 0.999 * h.in3[i] + 0.001 * g * g;
        a[i] = -h.in0[i] * 1e-4 * 0.01 - 1e-4 * (m / 0.1) / (std::sqrt(v / 0.001) + 1e-8);
        b[i] = m;
        update[i] = p[i] - h.in0[i];
      }
      ok &= report_check(name + " step update", error(update, a), 2e-3);
      expect("step first moment", c->in2, b, true);
      break;
    }
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
