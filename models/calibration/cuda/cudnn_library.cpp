// Run-time binding of cuDNN's graph API (cudnn_library.hpp).
#include "models/calibration/cuda/cudnn_library.hpp"

#include <dlfcn.h>

namespace orrery::models::calibration {

namespace {

struct Loaded {
  CudnnLibrary lib;
  std::string error;  // empty when loaded
};

template <class F>
bool bind(void* handle, const char* name, F& out, std::string& error) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (out == nullptr && error.empty()) error = std::string("libcudnn.so.9 has no ") + name;
  return out != nullptr;
}

Loaded load() {
  Loaded l;
  // Never closed: the library stays for the life of the program.
  void* h = dlopen("libcudnn.so.9", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* e = dlerror();
    l.error = e != nullptr ? e : "libcudnn.so.9 not found";
    return l;
  }
  CudnnLibrary& c = l.lib;
  std::string& e = l.error;
  bind(h, "cudnnGetVersion", c.get_version, e);
  bind(h, "cudnnGetErrorString", c.error_string, e);
  bind(h, "cudnnCreate", c.create, e);
  bind(h, "cudnnDestroy", c.destroy, e);
  bind(h, "cudnnBackendCreateDescriptor", c.create_descriptor, e);
  bind(h, "cudnnBackendDestroyDescriptor", c.destroy_descriptor, e);
  bind(h, "cudnnBackendFinalize", c.finalize, e);
  bind(h, "cudnnBackendSetAttribute", c.set_attribute, e);
  bind(h, "cudnnBackendGetAttribute", c.get_attribute, e);
  bind(h, "cudnnBackendExecute", c.execute, e);
  return l;
}

}  // namespace

const CudnnLibrary* cudnn_library(std::string& why) {
  static const Loaded loaded = load();
  why = loaded.error;
  return loaded.error.empty() ? &loaded.lib : nullptr;
}

std::string cudnn_status_text(const CudnnLibrary& lib, cudnnStatus_t status) {
  return lib.error_string != nullptr ? lib.error_string(status) : "cuDNN status " + std::to_string(status);
}

}  // namespace orrery::models::calibration
