#include "driver-upload-backend.h"

#include <cstdlib>

#include "../common/native-error.h"

namespace aotihub {

DriverUploadBackend::DriverUploadBackend(const cuda_driver::DriverApi& api, int deviceIndex)
    : api_(api), device_(deviceIndex) {
  if (!api.cuInit || !api.cuDeviceGet || !api.cuDevicePrimaryCtxRetain || !api.cuCtxSetCurrent ||
      !api.cuMemHostAlloc || !api.cuMemFreeHost || !api.cuStreamCreate || !api.cuStreamDestroy_v2 ||
      !api.cuStreamSynchronize || !api.cuMemcpyHtoDAsync_v2)
    throw NativeError("NATIVE_CUDA", "libcuda.so.1 lacks an entry point the early weight upload needs");
  Check(api.cuInit(0), "cuInit");
  cuda_driver::CUdevice dev = 0;
  Check(api.cuDeviceGet(&dev, deviceIndex), "cuDeviceGet");
  Check(api.cuDevicePrimaryCtxRetain(&context_, dev), "cuDevicePrimaryCtxRetain");
}

void DriverUploadBackend::Unsupported(const char* what) {
  throw NativeError("NATIVE_FAILURE", std::string("the early weight upload's backend does uploads only, not ") + what);
}

void DriverUploadBackend::Check(cuda_driver::CUresult rc, const char* call) const {
  if (rc != 0) throw NativeError("NATIVE_CUDA", cuda_driver::DriverError(api_, call, rc));
}

void DriverUploadBackend::UseDevice(DeviceRef device) {
  if (!device.cuda || device.index != device_)
    throw NativeError("NATIVE_FAILURE", "the early weight upload's backend serves one GPU only");
  Check(api_.cuCtxSetCurrent(context_), "cuCtxSetCurrent");
}

void* DriverUploadBackend::CreateStream(int) {
  constexpr unsigned int kNonBlocking = 0x1;  // CU_STREAM_NON_BLOCKING
  void* stream = nullptr;
  Check(api_.cuStreamCreate(&stream, kNonBlocking), "cuStreamCreate");
  return stream;
}

void DriverUploadBackend::DestroyStream(void* stream) { api_.cuStreamDestroy_v2(stream); }

void DriverUploadBackend::CopyAsync(void* dst, const void* src, size_t bytes, CopyKind kind, void* stream) {
  if (kind != CopyKind::HostToDevice) Unsupported("device-to-host copies");
  Check(api_.cuMemcpyHtoDAsync_v2(reinterpret_cast<cuda_driver::CUdeviceptr>(dst), src, bytes, stream),
        "cuMemcpyHtoDAsync");
}

void DriverUploadBackend::WaitStream(void* stream) { Check(api_.cuStreamSynchronize(stream), "cuStreamSynchronize"); }

void* DriverUploadBackend::AllocHost(size_t bytes, bool pinned) {
  if (!pinned) {
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p == nullptr) throw NativeError("NATIVE_OOM", "cannot allocate " + std::to_string(bytes) + " host bytes");
    return p;
  }
  constexpr unsigned int kPortable = 0x01;  // CU_MEMHOSTALLOC_PORTABLE, as the prewarm's slots
  void* p = nullptr;
  Check(api_.cuMemHostAlloc(&p, bytes, kPortable), "cuMemHostAlloc");
  return p;
}

void DriverUploadBackend::FreeHost(void* data, bool pinned) {
  if (pinned)
    api_.cuMemFreeHost(data);
  else
    std::free(data);
}

}  // namespace aotihub
