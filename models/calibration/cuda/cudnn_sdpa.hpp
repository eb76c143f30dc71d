// cuDNN's fused scaled-dot-product attention, forward and backward, through
// cuDNN 9's graph (backend) API: for each pass an operation graph holding one
// SDPA node (CUDNN_BACKEND_OPERATION_SDPA_FWD_DESCRIPTOR / _BWD_), the engine
// configurations heuristic mode A offers, the first that finalizes into an
// execution plan, and a variant pack binding the tensors by unique id. Tensors
// are BHSD, densely packed: Q, O, dO, dQ [b][heads][seq][d], K, V, dK, dV
// [b][kv_heads][seq][d]; the softmax statistics (log-sum-exp per row, what the
// backward reads) fp32 [b][heads][seq][1]; the scale 1/sqrt(d) passed by value.
//
// Anything cuDNN refuses — no library, no engine for the shape, a plan that
// does not finalize — leaves the object unsupported with the reason (the
// status name), for the sweep to record as a skipped shape. The node has no
// causal attribute in this API, so causal shapes are refused here and come
// from measurements of PyTorch's cuDNN backend (models/calibration/imports/).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/calibration/cuda/cudnn_library.hpp"
#include "models/calibration/cuda/dtype.hpp"

namespace orrery::models::calibration {

struct SdpaShape {
  int batch = 1, heads = 1, kv_heads = 1, seq = 1, head_dim = 64;
  bool causal = false;
};

// Device pointers; the backward reads q, k, v, o, stats and dout.
struct SdpaTensors {
  void *q = nullptr, *k = nullptr, *v = nullptr, *o = nullptr, *stats = nullptr;
  void *dout = nullptr, *dq = nullptr, *dk = nullptr, *dv = nullptr;
};

class CudnnSdpa {
 public:
  CudnnSdpa(Dtype dtype, const SdpaShape& shape);
  ~CudnnSdpa();
  CudnnSdpa(const CudnnSdpa&) = delete;
  CudnnSdpa& operator=(const CudnnSdpa&) = delete;

  [[nodiscard]] bool supported() const { return reason_.empty(); }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  // Workspace the larger of the two plans needs.
  [[nodiscard]] std::int64_t workspace_bytes() const;
  // Binds the tensors and the workspace (variant packs); false, with reason(),
  // when cuDNN refuses them. Call once before forward() and backward().
  bool bind(const SdpaTensors& t, void* workspace);
  // Enqueue one pass on the default stream; false (with reason()) on a refusal.
  bool forward();
  bool backward();

 private:
  struct Descriptor;
  struct Pass {
    cudnnBackendDescriptor_t plan = nullptr;
    cudnnBackendDescriptor_t pack = nullptr;
    std::int64_t workspace = 0;
    std::vector<std::int64_t> uids;
  };
  Descriptor& make(cudnnBackendDescriptorType_t type);
  void build(Pass& pass, bool backward_pass);
  Descriptor& node(Pass& pass, bool backward_pass);
  void plan(Pass& pass, Descriptor& op);
  bool run(const Pass& pass);

  const CudnnLibrary* lib_ = nullptr;
  cudnnHandle_t handle_ = nullptr;
  Dtype dtype_;
  SdpaShape shape_;
  float scale_ = 1.0f;  // read by value at each run
  std::vector<std::unique_ptr<Descriptor>> owned_;
  Pass forward_, backward_;
  std::string reason_;
};

}  // namespace orrery::models::calibration
