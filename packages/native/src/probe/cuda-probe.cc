// GPU probe through the CUDA driver. A machine with no driver (or a driver that fails cuInit, e.g.
// no device node in a container) answers "no CUDA" with the reason; it never throws.
#include <string>
#include <vector>

#include "../common/promise-worker.h"
#include "cuda-driver.h"
#include "probe-bindings.h"

namespace aotihub {

namespace {

using namespace cuda_driver;

struct GpuInfo {
  int index = 0;
  std::string name;
  int major = 0;
  int minor = 0;
  double totalMemory = 0;
  int pciBusId = -1;
};

struct ProbeResult {
  bool available = false;
  std::string reason;
  int driverVersion = 0;
  std::vector<GpuInfo> gpus;
};

ProbeResult ProbeCuda() {
  ProbeResult result;
  const Driver& driver = SharedDriver();
  if (!driver.loaded) {
    result.reason = driver.why;
    return result;
  }
  const DriverApi& api = driver.api;
  if (!api.cuInit || !api.cuDriverGetVersion || !api.cuDeviceGetCount || !api.cuDeviceGet || !api.cuDeviceGetName ||
      !api.cuDeviceGetAttribute || !api.cuDeviceTotalMem_v2) {
    result.reason = "libcuda.so.1 lacks a driver entry point the probe needs";
    return result;
  }
  if (CUresult rc = api.cuDriverGetVersion(&result.driverVersion); rc != 0) {
    result.reason = DriverError(api, "cuDriverGetVersion", rc);
    return result;
  }
  if (CUresult rc = api.cuInit(0); rc != 0) {
    result.reason = DriverError(api, "cuInit", rc);
    return result;
  }
  int count = 0;
  if (CUresult rc = api.cuDeviceGetCount(&count); rc != 0) {
    result.reason = DriverError(api, "cuDeviceGetCount", rc);
    return result;
  }
  for (int i = 0; i < count; i++) {
    CUdevice device = 0;
    if (api.cuDeviceGet(&device, i) != 0) continue;
    GpuInfo gpu;
    gpu.index = i;
    char name[256] = {0};
    api.cuDeviceGetName(name, sizeof(name) - 1, device);
    gpu.name = name;
    api.cuDeviceGetAttribute(&gpu.major, kAttrComputeCapabilityMajor, device);
    api.cuDeviceGetAttribute(&gpu.minor, kAttrComputeCapabilityMinor, device);
    api.cuDeviceGetAttribute(&gpu.pciBusId, kAttrPciBusId, device);
    size_t bytes = 0;
    api.cuDeviceTotalMem_v2(&bytes, device);
    gpu.totalMemory = static_cast<double>(bytes);
    result.gpus.push_back(gpu);
  }
  result.available = true;
  if (count == 0) result.reason = "the driver reports no CUDA device";
  return result;
}

Napi::Value ProbeCudaJs(const Napi::CallbackInfo& info) {
  auto result = std::make_shared<ProbeResult>();
  return PromiseWorker::Start(
      info.Env(), [result] { *result = ProbeCuda(); },
      [result](Napi::Env env) -> Napi::Value {
        auto out = Napi::Object::New(env);
        out.Set("available", Napi::Boolean::New(env, result->available));
        out.Set("reason", Napi::String::New(env, result->reason));
        out.Set("driverVersion", Napi::Number::New(env, result->driverVersion));
        auto gpus = Napi::Array::New(env, result->gpus.size());
        for (size_t i = 0; i < result->gpus.size(); i++) {
          const auto& g = result->gpus[i];
          auto o = Napi::Object::New(env);
          o.Set("index", g.index);
          o.Set("name", g.name);
          o.Set("major", g.major);
          o.Set("minor", g.minor);
          o.Set("totalMemory", g.totalMemory);
          o.Set("pciBusId", g.pciBusId);
          gpus.Set(static_cast<uint32_t>(i), o);
        }
        out.Set("gpus", gpus);
        return out;
      });
}

}  // namespace

void RegisterProbe(Napi::Env env, Napi::Object exports) {
  exports.Set("probeCuda", Napi::Function::New(env, ProbeCudaJs));
}

}  // namespace aotihub
