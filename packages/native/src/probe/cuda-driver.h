// The few CUDA driver entry points the probe, the early start (cuda-context-early.h) and the CUDA
// prewarm (cuda-prewarm.h) call, declared here instead of taken from cuda.h: the addon builds with
// no CUDA toolkit and resolves them from libcuda.so.1 at run time.
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
  CUresult (*cuInit)(unsigned int) = nullptr;
  CUresult (*cuDriverGetVersion)(int*) = nullptr;
  CUresult (*cuDeviceGetCount)(int*) = nullptr;
  CUresult (*cuDeviceGet)(CUdevice*, int) = nullptr;
  CUresult (*cuDeviceGetName)(char*, int, CUdevice) = nullptr;
  CUresult (*cuDeviceGetAttribute)(int*, int, CUdevice) = nullptr;
  CUresult (*cuDeviceTotalMem_v2)(size_t*, CUdevice) = nullptr;
  CUresult (*cuGetErrorString)(CUresult, const char**) = nullptr;
  CUresult (*cuDevicePrimaryCtxRetain)(void**, CUdevice) = nullptr;  // the early start and the prewarm
  CUresult (*cuCtxSetCurrent)(void*) = nullptr;                       // the prewarm
  CUresult (*cuMemHostAlloc)(void**, size_t, unsigned int) = nullptr;  // the prewarm
};

struct Driver {
  DriverApi api;
  bool loaded = false;  // libcuda.so.1 opened (the entry points each caller needs may still be null)
  std::string why;      // why not loaded
};

template <typename F>
bool Resolve(void* lib, const char* name, F& slot) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
  return slot != nullptr;
}

// libcuda.so.1 opened and every entry point above resolved once per process (thread-safe static
// initialisation), kept for the process (every CUDA user needs it). Once loaded, the probe, the
// early start and the prewarm make driver calls without dlopen or dlsym: the dynamic loader's lock
// is held for ~0.4 s by libtorch's dlopen, and a second probe during it would wait that long.
inline const Driver& SharedDriver() {
  static const Driver driver = [] {
    Driver d;
    void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* error = ::dlerror();
      d.why = std::string("libcuda.so.1 not loadable: ") + (error ? error : "unknown");
      return d;
    }
    d.loaded = true;
    DriverApi& a = d.api;
    Resolve(lib, "cuInit", a.cuInit);
    Resolve(lib, "cuDriverGetVersion", a.cuDriverGetVersion);
    Resolve(lib, "cuDeviceGetCount", a.cuDeviceGetCount);
    Resolve(lib, "cuDeviceGet", a.cuDeviceGet);
    Resolve(lib, "cuDeviceGetName", a.cuDeviceGetName);
    Resolve(lib, "cuDeviceGetAttribute", a.cuDeviceGetAttribute);
    Resolve(lib, "cuDeviceTotalMem_v2", a.cuDeviceTotalMem_v2);
    Resolve(lib, "cuGetErrorString", a.cuGetErrorString);
    Resolve(lib, "cuDevicePrimaryCtxRetain", a.cuDevicePrimaryCtxRetain);
    Resolve(lib, "cuCtxSetCurrent", a.cuCtxSetCurrent);
    Resolve(lib, "cuMemHostAlloc", a.cuMemHostAlloc);
    return d;
  }();
  return driver;
}

inline std::string DriverError(const DriverApi& api, const char* call, CUresult rc) {
  const char* text = nullptr;
  if (api.cuGetErrorString != nullptr) api.cuGetErrorString(rc, &text);
  return std::string(call) + " returned " + std::to_string(rc) + (text ? std::string(" (") + text + ")" : "");
}

// cuInit, then `device`'s primary context, retained for the process (every CUDA runtime loaded in
// it uses that context) and made current on the calling thread; `afterInit()` runs once cuInit has
// returned. Null, with the call that failed in `why`, where a step fails. Driver calls only: no
// dynamic loader lock is taken (libtorch's dlopen may hold it meanwhile).
template <typename AfterInit>
void* StartPrimaryContext(const DriverApi& api, int device, std::string& why, AfterInit afterInit) {
  if (!api.cuInit || !api.cuDeviceGet || !api.cuDevicePrimaryCtxRetain || !api.cuCtxSetCurrent) {
    why = "libcuda.so.1 lacks cuInit, cuDeviceGet, cuDevicePrimaryCtxRetain or cuCtxSetCurrent";
    return nullptr;
  }
  if (CUresult rc = api.cuInit(0); rc != 0) {
    why = DriverError(api, "cuInit", rc);
    return nullptr;
  }
  afterInit();
  CUdevice dev = 0;
  if (CUresult rc = api.cuDeviceGet(&dev, device); rc != 0) {
    why = DriverError(api, ("cuDeviceGet(" + std::to_string(device) + ")").c_str(), rc);
    return nullptr;
  }
  void* context = nullptr;
  if (CUresult rc = api.cuDevicePrimaryCtxRetain(&context, dev); rc != 0) {
    why = DriverError(api, "cuDevicePrimaryCtxRetain", rc);
    return nullptr;
  }
  if (CUresult rc = api.cuCtxSetCurrent(context); rc != 0) {
    why = DriverError(api, "cuCtxSetCurrent", rc);
    return nullptr;
  }
  return context;
}

}  // namespace aotihub::cuda_driver
