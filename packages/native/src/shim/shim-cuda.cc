#include "shim-cuda.h"

#include <dlfcn.h>

#include <cstring>
#include <map>
#include <memory>
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
  int (*memcpy2DAsync)(void*, size_t, const void*, size_t, size_t, size_t, int, void*) = nullptr;
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
    Bind(lib, g_cudart.memcpy2DAsync, "cudaMemcpy2DAsync", candidate);
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

namespace {

thread_local StridedCopyPath t_lastStridedPath = StridedCopyPath::kDense;

struct Dim {
  int64_t size;
  int64_t dst;  // strides, in elements
  int64_t src;
};

// Dims of size 1 dropped; neighbours contiguous in both layouts merged (outermost first).
std::vector<Dim> MergedDims(const std::vector<int64_t>& sizes, const std::vector<int64_t>& dstStrides,
                            const std::vector<int64_t>& srcStrides) {
  std::vector<Dim> dims;
  for (size_t i = 0; i < sizes.size(); i++) {
    if (sizes[i] == 1) continue;
    const Dim d{sizes[i], dstStrides[i], srcStrides[i]};
    if (!dims.empty() && dims.back().dst == d.dst * d.size && dims.back().src == d.src * d.size)
      dims.back() = {dims.back().size * d.size, d.dst, d.src};
    else
      dims.push_back(d);
  }
  return dims;
}

// Elements from a view's first element to its last, inclusive (strides are >= 0).
int64_t SpanElements(const std::vector<Dim>& dims, bool dst) {
  int64_t last = 0;
  for (const auto& d : dims) last += (d.size - 1) * (dst ? d.dst : d.src);
  return last + 1;
}

// Visits every index of `outer` (odometer order) with the element offsets it gives each side.
template <typename Fn>
int ForEachOuter(const std::vector<Dim>& outer, Fn fn) {
  std::vector<int64_t> index(outer.size(), 0);
  for (;;) {
    int64_t dst = 0, src = 0;
    for (size_t k = 0; k < outer.size(); k++) {
      dst += index[k] * outer[k].dst;
      src += index[k] * outer[k].src;
    }
    if (int rc = fn(dst, src); rc != 0) return rc;
    size_t k = outer.size();
    for (; k-- > 0;) {
      if (++index[k] < outer[k].size) break;
      index[k] = 0;
    }
    if (k == static_cast<size_t>(-1)) return 0;
  }
}

// Most cudaMemcpy2DAsync calls one copy may take before staging through the host is cheaper.
constexpr int64_t kMaxSlices = 4096;

int StagedCopy(const StridedSide& dst, const StridedSide& src, const std::vector<Dim>& dims, size_t elem,
               void* stream) {
  const size_t srcBytes = static_cast<size_t>(SpanElements(dims, false)) * elem;
  const size_t dstBytes = static_cast<size_t>(SpanElements(dims, true)) * elem;
  std::unique_ptr<uint8_t[]> srcHost, dstHost;
  const uint8_t* in = static_cast<const uint8_t*>(src.data);
  uint8_t* out = static_cast<uint8_t*>(dst.data);
  if (src.onDevice) {
    srcHost.reset(new uint8_t[srcBytes]);
    if (int rc = g_cudart.memcpyAsync(srcHost.get(), src.data, srcBytes, kMemcpyDefault, stream); rc != 0) return rc;
    in = srcHost.get();
  }
  if (dst.onDevice) {
    // the gaps between the destination's elements keep their bytes
    dstHost.reset(new uint8_t[dstBytes]);
    if (int rc = g_cudart.memcpyAsync(dstHost.get(), dst.data, dstBytes, kMemcpyDefault, stream); rc != 0) return rc;
    out = dstHost.get();
  }
  if (int rc = g_cudart.streamSynchronize(stream); rc != 0) return rc;
  std::vector<Dim> outer(dims.begin(), dims.end() - 1);
  const Dim inner = dims.back();
  ForEachOuter(outer, [&](int64_t o, int64_t i) {
    for (int64_t k = 0; k < inner.size; k++)
      std::memcpy(out + (o + k * inner.dst) * static_cast<int64_t>(elem),
                  in + (i + k * inner.src) * static_cast<int64_t>(elem), elem);
    return 0;
  });
  if (dst.onDevice) {
    if (int rc = g_cudart.memcpyAsync(dst.data, dstHost.get(), dstBytes, kMemcpyDefault, stream); rc != 0) return rc;
  }
  return g_cudart.streamSynchronize(stream);  // the host buffers go away with this frame
}

}  // namespace

int CudaCopyStrided(const StridedSide& dst, const StridedSide& src, const std::vector<int64_t>& sizes,
                    size_t elementSize, int deviceIndex, bool nonBlocking) {
  Require();
  for (int64_t size : sizes)
    if (size == 0) return 0;
  void* stream = CurrentStream(deviceIndex);
  const auto elem = static_cast<int64_t>(elementSize);
  std::vector<Dim> dims = MergedDims(sizes, dst.strides, src.strides);
  if (dims.empty()) dims.push_back({1, 1, 1});  // one element
  if (dims.size() == 1 && dims[0].dst == 1 && dims[0].src == 1) {
    t_lastStridedPath = StridedCopyPath::kDense;
    return CudaCopy(dst.data, src.data, static_cast<size_t>(dims[0].size * elem), deviceIndex, nonBlocking);
  }
  // The 2D slice: whole rows when the innermost merged dim is contiguous on both sides, else single
  // elements at each side's pitch.
  std::vector<Dim> outer = dims;
  size_t width = 0, height = 1, dpitch = 0, spitch = 0;
  const Dim inner = outer.back();
  outer.pop_back();
  if (inner.dst == 1 && inner.src == 1) {
    width = static_cast<size_t>(inner.size * elem);
    const Dim rows = outer.back();  // exists: a single dense dim returned above
    outer.pop_back();
    height = static_cast<size_t>(rows.size);
    dpitch = static_cast<size_t>(rows.dst * elem);
    spitch = static_cast<size_t>(rows.src * elem);
  } else {
    width = elementSize;
    height = static_cast<size_t>(inner.size);
    dpitch = static_cast<size_t>(inner.dst * elem);
    spitch = static_cast<size_t>(inner.src * elem);
  }
  int64_t slices = 1;
  for (const auto& d : outer) slices *= d.size;
  if (dpitch < width || spitch < width || slices > kMaxSlices) {
    t_lastStridedPath = StridedCopyPath::kStaged;
    return StagedCopy(dst, src, dims, elementSize, stream);
  }
  t_lastStridedPath = StridedCopyPath::kRows2D;
  int rc = ForEachOuter(outer, [&](int64_t o, int64_t i) {
    return g_cudart.memcpy2DAsync(static_cast<uint8_t*>(dst.data) + o * elem, dpitch,
                                  static_cast<const uint8_t*>(src.data) + i * elem, spitch, width, height,
                                  kMemcpyDefault, stream);
  });
  if (rc == 0 && !nonBlocking) rc = g_cudart.streamSynchronize(stream);
  return rc;
}

StridedCopyPath LastStridedCopyPath() { return t_lastStridedPath; }

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
