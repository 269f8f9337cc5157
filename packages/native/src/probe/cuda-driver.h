// The few CUDA driver entry points the probe and the early start (cuda-context-early.h) call,
// declared here instead of taken from cuda.h: the addon builds with no CUDA toolkit and resolves
// them from libcuda.so.1 at run time.
#pragma once
#include <dlfcn.h>

#include <cstddef>
#include <string>

namespace aotihub::cuda_driver {

using CUresult = int;
using CUdevice = int;
constexpr int kAttrComputeCapabilityMajor = 75;
constexpr int kAttrComputeCapabilityMinor = 76;
constexpr int kAttrPciBusId = 33;

struct DriverApi {
  CUresult (*cuInit)(unsigned int);
  CUresult (*cuDriverGetVersion)(int*);
  CUresult (*cuDeviceGetCount)(int*);
  CUresult (*cuDeviceGet)(CUdevice*, int);
  CUresult (*cuDeviceGetName)(char*, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int*, int, CUdevice);
  CUresult (*cuDeviceTotalMem_v2)(size_t*, CUdevice);
  CUresult (*cuGetErrorString)(CUresult, const char**);
  CUresult (*cuDevicePrimaryCtxRetain)(void**, CUdevice);  // the early start only
};

// libcuda.so.1, kept loaded for the process (every CUDA user needs it), or null with why in `why`.
inline void* OpenDriver(std::string& why) {
  void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* error = ::dlerror();
    why = std::string("libcuda.so.1 not loadable: ") + (error ? error : "unknown");
  }
  return lib;
}

template <typename F>
bool Resolve(void* lib, const char* name, F& slot) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
  return slot != nullptr;
}

inline std::string DriverError(const DriverApi& api, const char* call, CUresult rc) {
  const char* text = nullptr;
  if (api.cuGetErrorString != nullptr) api.cuGetErrorString(rc, &text);
  return std::string(call) + " returned " + std::to_string(rc) + (text ? std::string(" (") + text + ")" : "");
}

}  // namespace aotihub::cuda_driver
