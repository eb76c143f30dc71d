// The cuDNN graph for one SDPA pass (cudnn_sdpa.hpp): tensor descriptors,
// the SDPA node, the operation graph, heuristics, the execution plan and the
// variant pack, each a backend descriptor set attribute by attribute.
#include "models/calibration/cuda/cudnn_sdpa.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace orrery::models::calibration {

namespace {

// A refusal by cuDNN while building: caught in the constructor, kept as reason().
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum Uid : std::int64_t { kQ = 1, kK, kV, kO, kStats, kScale, kDout, kDq, kDk, kDv };

}  // namespace

// Owns one backend descriptor.
struct CudnnSdpa::Descriptor {
  const CudnnLibrary* lib;
  cudnnBackendDescriptor_t d = nullptr;
  Descriptor(const CudnnLibrary* l, cudnnBackendDescriptorType_t type) : lib(l) {
    if (lib->create_descriptor(type, &d) != CUDNN_STATUS_SUCCESS) throw Refused("cannot create a descriptor");
  }
  ~Descriptor() { lib->destroy_descriptor(d); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  void set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, std::int64_t count,
           const void* value, const char* what) const {
    const cudnnStatus_t s = lib->set_attribute(d, name, type, count, value);
    if (s != CUDNN_STATUS_SUCCESS) throw Refused(std::string(what) + ": " + cudnn_status_text(*lib, s));
  }
  void finalize(const char* what) const {
    const cudnnStatus_t s = lib->finalize(d);
    if (s != CUDNN_STATUS_SUCCESS) throw Refused(std::string(what) + ": " + cudnn_status_text(*lib, s));
  }
};

CudnnSdpa::CudnnSdpa(Dtype dtype, const SdpaShape& shape)
    : dtype_(dtype), shape_(shape), scale_(1.0f / std::sqrt(static_cast<float>(shape.head_dim))) {
  std::string why;
  lib_ = cudnn_library(why);
  if (lib_ == nullptr) {
    reason_ = "cuDNN not found (" + why + ")";
    return;
  }
  if (shape.causal) {
    reason_ = "causal masks are not an attribute of cuDNN's backend SDPA node";
    return;
  }
  if (dtype != Dtype::kBf16 && dtype != Dtype::kFp16) {
    reason_ = "cuDNN SDPA runs bf16 and fp16 here";
    return;
  }
  try {
    if (lib_->create(&handle_) != CUDNN_STATUS_SUCCESS) throw Refused("cudnnCreate failed");
    build(forward_, false);
    build(backward_, true);
  } catch (const Refused& e) {
    reason_ = e.what();
  }
}

CudnnSdpa::~CudnnSdpa() {
  owned_.clear();
  if (handle_ != nullptr) lib_->destroy(handle_);
}

std::int64_t CudnnSdpa::workspace_bytes() const {
  return std::max(forward_.workspace, backward_.workspace);
}

CudnnSdpa::Descriptor& CudnnSdpa::make(cudnnBackendDescriptorType_t type) {
  owned_.push_back(std::make_unique<Descriptor>(lib_, type));
  return *owned_.back();
}

void CudnnSdpa::build(Pass& pass, bool backward_pass) {
  plan(pass, node(pass, backward_pass));
}

// The tensors and the SDPA node of one pass; their ids go to pass.uids.
CudnnSdpa::Descriptor& CudnnSdpa::node(Pass& pass, bool backward_pass) {
  const cudnnDataType_t io = dtype_ == Dtype::kBf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_HALF;
  const std::int64_t b = shape_.batch, s = shape_.seq, d = shape_.head_dim;
  auto tensor = [&](std::int64_t uid, std::int64_t heads, std::int64_t last, cudnnDataType_t type,
                    bool by_value) -> Descriptor& {
    Descriptor& t = make(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    const std::int64_t dims[4] = {by_value ? 1 : b, by_value ? 1 : heads, by_value ? 1 : s, last};
    const std::int64_t strides[4] = {dims[1] * dims[2] * last, dims[2] * last, last, 1};
    const std::int64_t alignment = 16;
    t.set(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &type, "tensor type");
    t.set(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims, "tensor dimensions");
    t.set(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides, "tensor strides");
    t.set(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid, "tensor id");
    t.set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &alignment, "tensor alignment");
    if (by_value) {
      const bool yes = true;
      t.set(CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_BOOLEAN, 1, &yes, "scale by value");
    }
    t.finalize("tensor");
    pass.uids.push_back(uid);
    return t;
  };
  const std::int64_t h = shape_.heads, kv = shape_.kv_heads;
  Descriptor& q = tensor(kQ, h, d, io, false);
  Descriptor& k = tensor(kK, kv, d, io, false);
  Descriptor& v = tensor(kV, kv, d, io, false);
  Descriptor& o = tensor(kO, h, d, io, false);
  Descriptor& stats = tensor(kStats, h, 1, CUDNN_DATA_FLOAT, false);
  Descriptor& scale = tensor(kScale, 1, 1, CUDNN_DATA_FLOAT, true);
  auto link = [](Descriptor& op, cudnnBackendAttributeName_t name, Descriptor& t, const char* what) {
    op.set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &t.d, what);
  };
  Descriptor& op = make(backward_pass ? CUDNN_BACKEND_OPERATION_SDPA_BWD_DESCRIPTOR
                                      : CUDNN_BACKEND_OPERATION_SDPA_FWD_DESCRIPTOR);
  // The six tensors both nodes take, in the order Q, K, V, O, stats, scale.
  constexpr cudnnBackendAttributeName_t kForward[6] = {
      CUDNN_ATTR_OPERATION_SDPA_FWD_QDESC,     CUDNN_ATTR_OPERATION_SDPA_FWD_KDESC,
      CUDNN_ATTR_OPERATION_SDPA_FWD_VDESC,     CUDNN_ATTR_OPERATION_SDPA_FWD_ODESC,
      CUDNN_ATTR_OPERATION_SDPA_FWD_STATSDESC, CUDNN_ATTR_OPERATION_SDPA_FWD_SCALEDESC};
  constexpr cudnnBackendAttributeName_t kBackward[6] = {
      CUDNN_ATTR_OPERATION_SDPA_BWD_QDESC,     CUDNN_ATTR_OPERATION_SDPA_BWD_KDESC,
      CUDNN_ATTR_OPERATION_SDPA_BWD_VDESC,     CUDNN_ATTR_OPERATION_SDPA_BWD_ODESC,
      CUDNN_ATTR_OPERATION_SDPA_BWD_STATSDESC, CUDNN_ATTR_OPERATION_SDPA_BWD_SCALEDESC};
  Descriptor* common[6] = {&q, &k, &v, &o, &stats, &scale};
  for (int i = 0; i < 6; ++i) link(op, (backward_pass ? kBackward : kForward)[i], *common[i], "sdpa tensor");
  if (backward_pass) {
    link(op, CUDNN_ATTR_OPERATION_SDPA_BWD_DODDESC, tensor(kDout, h, d, io, false), "sdpa dO");
    link(op, CUDNN_ATTR_OPERATION_SDPA_BWD_DQDESC, tensor(kDq, h, d, io, false), "sdpa dQ");
    link(op, CUDNN_ATTR_OPERATION_SDPA_BWD_DKDESC, tensor(kDk, kv, d, io, false), "sdpa dK");
    link(op, CUDNN_ATTR_OPERATION_SDPA_BWD_DVDESC, tensor(kDv, kv, d, io, false), "sdpa dV");
  }
  op.finalize(backward_pass ? "sdpa backward node" : "sdpa forward node");
  return op;
}

// The operation graph of `op`, heuristic mode A's engine configurations, and
// the first that finalizes into an execution plan.
void CudnnSdpa::plan(Pass& pass, Descriptor& op) {
// The handle attributes are marked deprecated in cuDNN 9 but remain how a graph
// and a plan learn their handle when no device-property descriptor is given.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  Descriptor& graph = make(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &op.d, "graph ops");
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle_, "graph handle");
  graph.finalize("operation graph");

  Descriptor& heuristics = make(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  const cudnnBackendHeurMode_t mode = CUDNN_HEUR_MODE_A;
  heuristics.set(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph.d,
                 "heuristics graph");
  heuristics.set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode, "heuristics mode");
  heuristics.finalize("heuristics");
  std::int64_t count = 0;
  lib_->get_attribute(heuristics.d, CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                      nullptr);
  if (count == 0) throw Refused("no cuDNN engine for this SDPA shape");
  std::vector<cudnnBackendDescriptor_t> configs;
  for (std::int64_t i = 0; i < count; ++i) configs.push_back(make(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR).d);
  std::int64_t returned = 0;
  lib_->get_attribute(heuristics.d, CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, count,
                      &returned, configs.data());
  std::string last = "no engine configuration finalized";
  for (std::int64_t i = 0; i < returned && pass.plan == nullptr; ++i) {
    Descriptor& candidate = make(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
    try {
      candidate.set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle_, "plan handle");
      candidate.set(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &configs[i],
                    "plan config");
      candidate.finalize("execution plan");
      pass.plan = candidate.d;
    } catch (const Refused& e) {
      last = e.what();  // this configuration does not build here: try the next
    }
  }
#pragma GCC diagnostic pop
  if (pass.plan == nullptr) throw Refused(last);
  std::int64_t n = 0;
  lib_->get_attribute(pass.plan, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &n,
                      &pass.workspace);
}

bool CudnnSdpa::bind(const SdpaTensors& t, void* workspace) {
  if (!supported()) return false;
  auto pointer = [&](std::int64_t uid) -> void* {
    switch (uid) {
      case kQ:
        return t.q;
      case kK:
        return t.k;
      case kV:
        return t.v;
      case kO:
        return t.o;
      case kStats:
        return t.stats;
      case kScale:
        return &scale_;  // by value: a host pointer
      case kDout:
        return t.dout;
      case kDq:
        return t.dq;
      case kDk:
        return t.dk;
      default:
        return t.dv;
    }
  };
  try {
    for (Pass* pass : {&forward_, &backward_}) {
      std::vector<void*> pointers;
      for (std::int64_t uid : pass->uids) pointers.push_back(pointer(uid));
      owned_.push_back(std::make_unique<Descriptor>(lib_, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR));
      const Descriptor& pack = *owned_.back();
      const auto n = static_cast<std::int64_t>(pass->uids.size());
      pack.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, n, pass->uids.data(), "pack ids");
      pack.set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, n, pointers.data(),
               "pack pointers");
      pack.set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace, "pack workspace");
      pack.finalize("variant pack");
      pass->pack = pack.d;
    }
  } catch (const Refused& e) {
    reason_ = e.what();
    return false;
  }
  return true;
}

bool CudnnSdpa::run(const Pass& pass) {
  const cudnnStatus_t s = lib_->execute(handle_, pass.plan, pass.pack);
  if (s != CUDNN_STATUS_SUCCESS) reason_ = "cudnnBackendExecute: " + cudnn_status_text(*lib_, s);
  return s == CUDNN_STATUS_SUCCESS;
}

bool CudnnSdpa::forward() {
  return run(forward_);
}

bool CudnnSdpa::backward() {
  return run(backward_);
}

}  // namespace orrery::models::calibration
