#include "shim-cuda.h"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../common/native-error.h"

namespace aotihub::shim {

namespace {

struct Cudart {
  int (*malloc)(void**, size_t) = nullptr;
  int (*free)(void*) = nullptr;
  int (*memcpyAsync)(void*, const void*, size_t, int, void*) = nullptr;
  int (*streamSynchronize)(void*) = nullptr;
  int (*setDevice)(int) = nullptr;
  int (*getDevice)(int*) = nullptr;
  int (*getLastError)() = nullptr;
  int (*deviceSynchronize)() = nullptr;
};

std::mutex g_loadMutex;
Cudart g_cudart;
bool g_loaded = false;

template <typename F>
void Bind(void* lib, F& slot, const char* name, const std::string& path) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
  if (slot == nullptr) throw NativeError("NATIVE_CUDART_MISSING", path + " does not export " + name);
}

constexpr int kMemcpyDefault = 4;  // cudaMemcpyDefault: direction from the pointers (unified addressing)
constexpr size_t kRound = 512;

// Freed blocks by (device, stream) and exact rounded size. Held until the process ends or an
// allocation fails, then released and the allocation retried (the CUDACachingAllocator's habit,
// without its splitting of large blocks).
struct CacheKey {
  int device;
  void* stream;
  bool operator<(const CacheKey& o) const { return device != o.device ? device < o.device : stream < o.stream; }
};
std::mutex g_cacheMutex;
std::map<CacheKey, std::multimap<size_t, void*>> g_cache;

void ReleaseCached(int device) {
  std::lock_guard<std::mutex> lock(g_cacheMutex);
  for (auto& [key, blocks] : g_cache) {
    if (key.device != device) continue;
    for (auto& [size, ptr] : blocks) g_cudart.free(ptr);
    blocks.clear();
  }
}

thread_local std::unordered_map<int, void*> t_currentStream;

void Require() {
  if (!g_loaded) throw NativeError("NATIVE_CUDART_MISSING", "the CUDA runtime is not loaded (device \"cpu\" only)");
}

}  // namespace

std::string LoadCudaRuntime(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_loadMutex);
  if (g_loaded) return "already loaded";
  std::vector<std::string> candidates;
  if (!path.empty())
    candidates.push_back(path);
  else
    candidates = {"libcudart.so.13", "libcudart.so.12"};
  std::string failures;
  for (const auto& candidate : candidates) {
    void* lib = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (lib == nullptr) {
      const char* why = ::dlerror();
      failures += "\n    " + candidate + ": " + (why ? why : "not found");
      continue;
    }
    Bind(lib, g_cudart.malloc, "cudaMalloc", candidate);
    Bind(lib, g_cudart.free, "cudaFree", candidate);
    Bind(lib, g_cudart.memcpyAsync, "cudaMemcpyAsync", candidate);
    Bind(lib, g_cudart.streamSynchronize, "cudaStreamSynchronize", candidate);
    Bind(lib, g_cudart.setDevice, "cudaSetDevice", candidate);
    Bind(lib, g_cudart.getDevice, "cudaGetDevice", candidate);
    Bind(lib, g_cudart.getLastError, "cudaGetLastError", candidate);
    Bind(lib, g_cudart.deviceSynchronize, "cudaDeviceSynchronize", candidate);
    g_loaded = true;
    return candidate;
  }
  throw NativeError("NATIVE_CUDART_MISSING", "cannot load the CUDA runtime:" + failures);
}

bool CudaRuntimeLoaded() { return g_loaded; }

void* CudaAllocate(size_t nbytes, int deviceIndex, void** streamOut) {
  Require();
  void* stream = CurrentStream(deviceIndex);
  *streamOut = stream;
  if (nbytes == 0) return nullptr;
  const size_t size = (nbytes + kRound - 1) / kRound * kRound;
  {
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    auto& blocks = g_cache[{deviceIndex, stream}];
    auto it = blocks.find(size);
    if (it != blocks.end()) {
      void* ptr = it->second;
      blocks.erase(it);
      return ptr;
    }
  }
  int previous = -1;
  g_cudart.getDevice(&previous);
  if (previous != deviceIndex) g_cudart.setDevice(deviceIndex);
  void* ptr = nullptr;
  int rc = g_cudart.malloc(&ptr, size);
  if (rc != 0) {
    g_cudart.getLastError();  // an out-of-memory error is not sticky; clear it and retry once
    ReleaseCached(deviceIndex);
    rc = g_cudart.malloc(&ptr, size);
  }
  if (previous >= 0 && previous != deviceIndex) g_cudart.setDevice(previous);
  if (rc != 0) throw std::bad_alloc();
  return ptr;
}

void CudaFree(void* data, size_t nbytes, int deviceIndex, void* stream) {
  if (data == nullptr || !g_loaded) return;
  const size_t size = (nbytes + kRound - 1) / kRound * kRound;
  std::lock_guard<std::mutex> lock(g_cacheMutex);
  g_cache[{deviceIndex, stream}].emplace(size, data);
}

int CudaCopy(void* dst, const void* src, size_t bytes, int deviceIndex, bool nonBlocking) {
  Require();
  if (bytes == 0) return 0;
  void* stream = CurrentStream(deviceIndex);
  int rc = g_cudart.memcpyAsync(dst, src, bytes, kMemcpyDefault, stream);
  if (rc == 0 && !nonBlocking) rc = g_cudart.streamSynchronize(stream);
  return rc;
}

void* CurrentStream(int deviceIndex) {
  auto it = t_currentStream.find(deviceIndex);
  return it == t_currentStream.end() ? nullptr : it->second;  // null: the legacy default stream
}

void* ExchangeStream(int deviceIndex, void* stream, int* previousDevice) {
  Require();
  *previousDevice = -1;
  g_cudart.getDevice(previousDevice);
  if (*previousDevice != deviceIndex) g_cudart.setDevice(deviceIndex);
  void* previous = CurrentStream(deviceIndex);
  t_currentStream[deviceIndex] = stream;
  return previous;
}

void RestoreStream(int deviceIndex, void* stream, int previousDevice) {
  t_currentStream[deviceIndex] = stream;
  if (g_loaded && previousDevice >= 0 && previousDevice != deviceIndex) g_cudart.setDevice(previousDevice);
}

}  // namespace aotihub::shim
