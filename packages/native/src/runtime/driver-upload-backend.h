// Just enough of a TensorBackend for UploadFiles' ring path, made of CUDA driver calls alone: the
// early weight upload (early-weight-upload.h) runs it while libtorch is still being dlopened, when
// neither libtorch nor the CUDA runtime may be called (the runtime's first call would wait for the
// dynamic loader's lock that libtorch's dlopen holds). Streams, async host-to-device copies, pinned
// host memory on the device's primary context; registration is refused (the ring copies instead);
// everything else throws.
#pragma once
#include <string>

#include "../backend/tensor-backend.h"
#include "../probe/cuda-driver.h"

namespace aotihub {

class DriverUploadBackend : public TensorBackend {
 public:
  // Retains the device's primary context (the one every CUDA runtime in the process uses).
  DriverUploadBackend(const cuda_driver::DriverApi& api, int deviceIndex);
  void* context() const { return context_; }

  std::string Describe() const override { return "CUDA driver (early weight upload)"; }
  void UseDevice(DeviceRef device) override;
  void* CreateStream(int deviceIndex) override;
  void DestroyStream(void* stream) override;
  void CopyAsync(void* dst, const void* src, size_t bytes, CopyKind kind, void* stream) override;
  void WaitStream(void* stream) override;
  void* AllocHost(size_t bytes, bool pinned) override;
  void FreeHost(void* data, bool pinned) override;
  bool RegisterHost(void*, size_t) override { return false; }
  void UnregisterHost(void*) override {}

  int32_t DtypeCode(DType) const override { Unsupported("DtypeCode"); }
  int DTypeFromCode(int32_t) const override { Unsupported("DTypeFromCode"); }
  AtenTensorHandle FromBlob(void*, const std::vector<int64_t>&, DType, DeviceRef) override { Unsupported("FromBlob"); }
  AtenTensorHandle Empty(const std::vector<int64_t>&, DType, DeviceRef) override { Unsupported("Empty"); }
  void Copy(AtenTensorHandle, AtenTensorHandle) override { Unsupported("Copy"); }
  AtenTensorHandle Alias(AtenTensorHandle) override { Unsupported("Alias"); }
  void Release(AtenTensorHandle) override { Unsupported("Release"); }
  TensorInfo Inspect(AtenTensorHandle) override { Unsupported("Inspect"); }
  void Upload(void*, const void*, size_t, int) override { Unsupported("Upload"); }
  void Synchronize(int) override { Unsupported("Synchronize"); }
  DeviceMemory MemoryInfo(int) override { Unsupported("MemoryInfo"); }
  void* EnterStream(void*, int) override { Unsupported("EnterStream"); }
  void LeaveStream(void*) override { Unsupported("LeaveStream"); }
  double PinnedCopyGbps(size_t, int) override { Unsupported("PinnedCopyGbps"); }

 private:
  [[noreturn]] static void Unsupported(const char* what);
  void Check(cuda_driver::CUresult rc, const char* call) const;
  const cuda_driver::DriverApi& api_;
  int device_;
  void* context_ = nullptr;
};

}  // namespace aotihub
