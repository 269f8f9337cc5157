// The few CUDA driver entry points the probe calls, declared here instead of taken from cuda.h: the
// addon builds with no CUDA toolkit and resolves them from libcuda.so.1 at run time.
#pragma once
#include <cstddef>

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
};

}  // namespace aotihub::cuda_driver
