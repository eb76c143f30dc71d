// Provenance queries (see provenance.hpp). Versions come from the CUDA runtime
// (cudaDriverGetVersion, cudaRuntimeGetVersion) and clocks from
// cudaDeviceGetAttribute; nothing runs nvidia-smi. The driver's release number
// ("580.65.06") comes from NVML's nvmlSystemGetDriverVersion when
// libnvidia-ml.so.1 can be loaded at run time — loaded with dlopen, so that the
// program neither needs NVML's header to build nor the library to start.
#include "models/calibration/cuda/provenance.hpp"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <array>
#include <ctime>

#include "models/calibration/cuda/cuda_check.hpp"

namespace orrery::models::calibration {

namespace {

// CUDA encodes versions as 1000 * major + 10 * minor.
std::string cuda_version(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

int attribute(cudaDeviceAttr attr, int device) {
  int v = 0;
  ORRERY_CUDA_CHECK(cudaDeviceGetAttribute(&v, attr, device));
  return v;
}

std::string nvml_driver_release() {
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return {};
  using InitFn = int (*)();
  using VersionFn = int (*)(char*, unsigned);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "nvmlInit_v2"));
  auto version = reinterpret_cast<VersionFn>(dlsym(lib, "nvmlSystemGetDriverVersion"));
  auto shutdown = reinterpret_cast<InitFn>(dlsym(lib, "nvmlShutdown"));
  std::array<char, 96> buf{};
  std::string out;
  if (init != nullptr && version != nullptr && shutdown != nullptr && init() == 0) {  // 0: NVML_SUCCESS
    if (version(buf.data(), static_cast<unsigned>(buf.size())) == 0) out = buf.data();
    shutdown();
  }
  dlclose(lib);
  return out;
}

std::string utc_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 16> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%d", &utc);
  return buf.data();
}

}  // namespace

GpuInfo query_gpu(int index) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    throw CalibrationError(std::string("no CUDA device: ") + (status != cudaSuccess
                                                                  ? cudaGetErrorString(status)
                                                                  : "cudaGetDeviceCount returned 0"));
  }
  if (index >= count) {
    throw CalibrationError("--gpu " + std::to_string(index) + ": only " + std::to_string(count) +
                           " CUDA device(s)");
  }
  ORRERY_CUDA_CHECK(cudaSetDevice(index));
  cudaDeviceProp prop{};
  ORRERY_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  GpuInfo g;
  g.index = index;
  g.name = prop.name;
  g.major = prop.major;
  g.minor = prop.minor;
  g.sms = prop.multiProcessorCount;
  g.memory_bytes = prop.totalGlobalMem;
  if (g.major < 8) {
    throw CalibrationError(g.name + " is compute capability " + std::to_string(g.major) + "." +
                           std::to_string(g.minor) + "; the kernels are built for 8.0 (A100) and 9.0 (H100)");
  }
  return g;
}

Provenance query_provenance(const GpuInfo& gpu, const std::string& command) {
  int driver = 0;
  int runtime = 0;
  ORRERY_CUDA_CHECK(cudaDriverGetVersion(&driver));
  ORRERY_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  Provenance p;
  p.gpu = gpu.name;
  p.driver = cuda_version(driver);
  p.driver_release = nvml_driver_release();
  p.cuda_runtime = cuda_version(runtime);
  p.clocks = "sm " + std::to_string(attribute(cudaDevAttrClockRate, gpu.index) / 1000) + " MHz, memory " +
             std::to_string(attribute(cudaDevAttrMemoryClockRate, gpu.index) / 1000) + " MHz";
  p.date = utc_date();
  p.command = command;
  return p;
}

}  // namespace orrery::models::calibration
