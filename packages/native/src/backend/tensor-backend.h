// The seam between the runtime and whatever provides the AOTI C shim (`aoti_torch_*`) and the CUDA
// runtime. Today libtorch does (libtorch-backend.cc); a libtorch-free backend that implements the
// shim functions an ExecuTorch-style compile needs (docs/architecture.md 4, the native seam; issue 13) plugs in here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aotihub {

using AtenTensorHandle = void*;

// Our dtype ids; each backend maps them to its own codes (c10::ScalarType for libtorch).
enum class DType : int { F32, F16, BF16, F8E4M3, F8E5M2, I64, I32, I8, U8, BOOL, Count };
DType DTypeFromName(const std::string& name);
const char* DTypeName(DType dtype);
size_t DTypeSize(DType dtype);

struct DeviceRef {
  bool cuda = false;
  int index = 0;
};

struct TensorInfo {
  int32_t dtypeCode = 0;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  void* data = nullptr;
  bool cuda = false;
  int deviceIndex = 0;
  bool contiguous() const;
};

enum class CopyKind : int { HostToDevice = 1, DeviceToHost = 2 };

struct DeviceMemory {
  double freeBytes = 0;
  double totalBytes = 0;
};

class TensorBackend {
 public:
  virtual ~TensorBackend() = default;
  virtual std::string Describe() const = 0;
  virtual int32_t DtypeCode(DType dtype) const = 0;
  // -1 when the code is not one of ours.
  virtual int DTypeFromCode(int32_t code) const = 0;
  // A tensor over memory we own (no copy); the caller keeps `data` alive longer than the tensor.
  virtual AtenTensorHandle FromBlob(void* data, const std::vector<int64_t>& shape, DType dtype, DeviceRef device) = 0;
  virtual AtenTensorHandle Empty(const std::vector<int64_t>& shape, DType dtype, DeviceRef device) = 0;
  virtual void Copy(AtenTensorHandle dst, AtenTensorHandle src) = 0;
  // A new handle on the same storage: Run steals input handles, so device tensors are passed as aliases.
  virtual AtenTensorHandle Alias(AtenTensorHandle tensor) = 0;
  virtual void Release(AtenTensorHandle tensor) = 0;
  virtual TensorInfo Inspect(AtenTensorHandle tensor) = 0;
  // Makes `device` the calling thread's current CUDA device (no-op for the CPU). Native work runs on
  // the libuv thread pool, whose threads serve every GPU in turn: a container created, run or deleted
  // on another current device fails with "invalid resource handle" (seen on two H100s).
  virtual void UseDevice(DeviceRef device) = 0;
  // Host -> device bytes; fast path through pinned staging where the backend can.
  virtual void Upload(void* deviceDst, const void* hostSrc, size_t bytes, int deviceIndex) = 0;
  virtual void Synchronize(int deviceIndex) = 0;
  virtual DeviceMemory MemoryInfo(int deviceIndex) = 0;

  // Per-call I/O on the GPU (a run's own stream, pinned host memory, completion by stream sync).
  // Host memory: page-locked where `pinned` and the backend can, else 64-byte aligned malloc.
  virtual void* AllocHost(size_t bytes, bool pinned) = 0;
  virtual void FreeHost(void* data, bool pinned) = 0;
  // A non-blocking stream on `deviceIndex` (never the legacy default stream, which serializes all).
  virtual void* CreateStream(int deviceIndex) = 0;
  virtual void DestroyStream(void* stream) = 0;
  virtual void CopyAsync(void* dst, const void* src, size_t bytes, CopyKind kind, void* stream) = 0;
  // Waits for what was queued on `stream` only, not for the whole device.
  virtual void WaitStream(void* stream) = 0;
  // Makes `stream` torch's current stream on this thread (so allocations made for a run belong to it);
  // returns a guard to pass to LeaveStream.
  virtual void* EnterStream(void* stream, int deviceIndex) = 0;
  virtual void LeaveStream(void* guard) = 0;
  // Page-locks existing host memory for DMA (read-only); false where the system refuses it.
  virtual bool RegisterHost(void* data, size_t bytes) = 0;
  virtual void UnregisterHost(void* data) = 0;
  // A plain copy of `bytes` from a pinned host buffer, for the benchmark's reference figure.
  virtual double PinnedCopyGbps(size_t bytes, int deviceIndex) = 0;
};

// Process-wide: set once by LoadTorch (libtorch can be loaded only once per process).
TensorBackend* CurrentBackend();
void SetBackend(TensorBackend* backend);

}  // namespace aotihub
