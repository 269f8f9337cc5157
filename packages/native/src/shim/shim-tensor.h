// The tensor behind an AtenTensorHandle in the standalone runtime (docs/standalone-runtime.md):
// a view (sizes, strides, storage offset, dtype, device) over a refcounted storage that every handle
// made by new_tensor_handle, _reinterpret_tensor or a clone of a view shares.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aotihub::shim {

// c10's codes (ScalarType, DeviceType, Layout): compiled models pass and compare these values.
namespace code {
constexpr int32_t kUInt8 = 0, kInt8 = 1, kInt16 = 2, kInt32 = 3, kInt64 = 4, kFloat16 = 5, kFloat32 = 6,
                  kFloat64 = 7, kBool = 11, kBFloat16 = 15, kFloat8E5M2 = 23, kFloat8E4M3FN = 24;
constexpr int32_t kCpu = 0, kCuda = 1;
constexpr int32_t kStrided = 0;
}  // namespace code

// Bytes per element; 0 for a code this runtime does not know.
size_t ElementSize(int32_t dtype);

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  int32_t deviceType = code::kCpu;
  int32_t deviceIndex = 0;
  void* stream = nullptr;  // CUDA: the stream it was allocated on (its cache is per stream)
  bool owned = false;      // false: memory from the caller (create_tensor_from_blob)
  ~Storage();
};

struct Tensor {
  std::shared_ptr<Storage> storage;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int64_t storageOffset = 0;  // in elements
  int32_t dtype = code::kFloat32;

  int64_t numel() const;
  void* data() const;
  bool contiguous() const;
  // Dense in some order (a permutation of a contiguous layout): clone keeps such strides.
  bool denseNonOverlapping() const;
};

// Bytes a storage needs for a view (c10's computeStorageNbytes): 0 when any size is 0.
size_t StorageBytes(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, size_t elementSize,
                    int64_t storageOffset);
std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& sizes);

// Every live handle is registered, so a stale, foreign or null handle is answered with an error
// instead of a dereference.
Tensor* Register(std::unique_ptr<Tensor> tensor);
Tensor* Lookup(void* handle);  // nullptr when not a live handle
bool Unregister(void* handle);
size_t LiveHandles();

// 64-byte aligned host memory (what AOTI's generated vector code assumes of its buffers).
std::shared_ptr<Storage> AllocateCpu(size_t nbytes);

// The shim's failure path: the message goes to stderr (as libtorch's shim prints it) and is kept
// for the calling thread; the function returns this code.
int32_t Fail(const std::string& message);
const std::string& LastError();

}  // namespace aotihub::shim
