#include "shim-tensor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_set>

#include "shim-cuda.h"

namespace aotihub::shim {

size_t ElementSize(int32_t dtype) {
  switch (dtype) {
    case code::kUInt8:
    case code::kInt8:
    case code::kBool:
    case code::kFloat8E5M2:
    case code::kFloat8E4M3FN:
      return 1;
    case code::kInt16:
    case code::kFloat16:
    case code::kBFloat16:
      return 2;
    case code::kInt32:
    case code::kFloat32:
      return 4;
    case code::kInt64:
    case code::kFloat64:
      return 8;
    default:
      return 0;
  }
}

Storage::~Storage() {
  if (!owned || data == nullptr) return;
  if (deviceType == code::kCuda)
    CudaFree(data, nbytes, deviceIndex, stream);
  else
    std::free(data);
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

void* Tensor::data() const {
  if (storage->data == nullptr) return nullptr;
  return static_cast<uint8_t*>(storage->data) + storageOffset * static_cast<int64_t>(ElementSize(dtype));
}

bool Tensor::contiguous() const {
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

bool Tensor::denseNonOverlapping() const {
  std::vector<size_t> order(sizes.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  // innermost first: by stride, then size-1 dims anywhere
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return strides[a] < strides[b]; });
  int64_t expected = 1;
  for (size_t i : order) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

size_t StorageBytes(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, size_t elementSize,
                    int64_t storageOffset) {
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); i++) {
    if (sizes[i] == 0) return 0;
    extent += strides[i] * (sizes[i] - 1);
  }
  return static_cast<size_t>(extent + storageOffset) * elementSize;
}

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> strides(sizes.size(), 1);
  for (size_t i = sizes.size(); i-- > 1;) strides[i - 1] = strides[i] * std::max<int64_t>(sizes[i], 1);
  return strides;
}

namespace {
std::mutex g_handlesMutex;
std::unordered_set<void*>& Handles() {
  static auto* handles = new std::unordered_set<void*>();  // process lifetime: models may outlive statics
  return *handles;
}
thread_local std::string t_lastError;
}  // namespace

Tensor* Register(std::unique_ptr<Tensor> tensor) {
  Tensor* raw = tensor.release();
  std::lock_guard<std::mutex> lock(g_handlesMutex);
  Handles().insert(raw);
  return raw;
}

Tensor* Lookup(void* handle) {
  if (handle == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(g_handlesMutex);
  return Handles().count(handle) ? static_cast<Tensor*>(handle) : nullptr;
}

bool Unregister(void* handle) {
  if (handle == nullptr) return false;
  std::lock_guard<std::mutex> lock(g_handlesMutex);
  return Handles().erase(handle) == 1;
}

size_t LiveHandles() {
  std::lock_guard<std::mutex> lock(g_handlesMutex);
  return Handles().size();
}

std::shared_ptr<Storage> AllocateCpu(size_t nbytes) {
  auto storage = std::make_shared<Storage>();
  storage->nbytes = nbytes;
  storage->owned = true;
  if (nbytes == 0) return storage;  // like c10's CPU allocator: no memory behind an empty tensor
  storage->data = std::aligned_alloc(64, (nbytes + 63) / 64 * 64);
  if (storage->data == nullptr) throw std::bad_alloc();
  return storage;
}

int32_t Fail(const std::string& message) {
  t_lastError = message;
  std::fprintf(stderr, "[aotihub shim] %s\n", message.c_str());
  return 1;
}

const std::string& LastError() { return t_lastError; }

}  // namespace aotihub::shim
