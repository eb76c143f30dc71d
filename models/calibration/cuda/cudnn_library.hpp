// cuDNN 9, loaded at run time with dlopen rather than linked: a machine without
// libcudnn.so.9 still runs every other family, and the attention family says
// "cuDNN not found" and skips its shapes instead of the program failing to
// start. Only the graph (backend) API that cudnn_sdpa.cpp uses is bound. The
// header comes with the CUDA toolkit, so this compiles without a GPU.
#pragma once

#include <cudnn_graph.h>

#include <string>

namespace orrery::models::calibration {

struct CudnnLibrary {
  decltype(&cudnnGetVersion) get_version = nullptr;
  decltype(&cudnnGetErrorString) error_string = nullptr;
  decltype(&cudnnCreate) create = nullptr;
  decltype(&cudnnDestroy) destroy = nullptr;
  decltype(&cudnnBackendCreateDescriptor) create_descriptor = nullptr;
  decltype(&cudnnBackendDestroyDescriptor) destroy_descriptor = nullptr;
  decltype(&cudnnBackendFinalize) finalize = nullptr;
  decltype(&cudnnBackendSetAttribute) set_attribute = nullptr;
  decltype(&cudnnBackendGetAttribute) get_attribute = nullptr;
  decltype(&cudnnBackendExecute) execute = nullptr;
};

// The library, loaded once; null when it cannot be, with the reason in `why`
// ("libcudnn.so.9: cannot open shared object file", a missing symbol).
[[nodiscard]] const CudnnLibrary* cudnn_library(std::string& why);

// "CUDNN_STATUS_NOT_SUPPORTED" and the like.
[[nodiscard]] std::string cudnn_status_text(const CudnnLibrary& lib, cudnnStatus_t status);

}  // namespace orrery::models::calibration
