#include "libtorch-backend.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../common/native-error.h"
#include "../probe/cuda-context-early.h"
#include "../runtime/cuda-prewarm.h"
#include "amx-permission.h"
#include "runtime-kind.h"

namespace aotihub {

namespace {

using Err = int32_t;  // AOTITorchError: 0 success.

// The shim prototypes we call, declared by hand (torch/csrc/inductor/aoti_torch/c/shim.h) so the
// addon builds without torch headers.
struct ShimApi {
  Err (*fromBlob)(void*, int64_t, const int64_t*, const int64_t*, int64_t, int32_t, int32_t, int32_t,
                  AtenTensorHandle*);
  Err (*emptyStrided)(int64_t, const int64_t*, const int64_t*, int32_t, int32_t, int32_t, AtenTensorHandle*);
  Err (*copy)(AtenTensorHandle, AtenTensorHandle, int32_t);
  Err (*deleteTensor)(AtenTensorHandle);
  Err (*newHandle)(AtenTensorHandle, AtenTensorHandle*);
  Err (*getDataPtr)(AtenTensorHandle, void**);
  Err (*getDim)(AtenTensorHandle, int64_t*);
  Err (*getSizes)(AtenTensorHandle, int64_t**);
  Err (*getDtype)(AtenTensorHandle, int32_t*);
  Err (*getDeviceType)(AtenTensorHandle, int32_t*);
  Err (*getStrides)(AtenTensorHandle, int64_t**);
  Err (*getDeviceIndex)(AtenTensorHandle, int32_t*);
  // CUDA only (libtorch_cuda): makes a stream torch's current one on this thread.
  Err (*createStreamGuard)(void*, int32_t, void**) = nullptr;
  Err (*deleteStreamGuard)(void*) = nullptr;
  int32_t deviceCpu = 0;
  int32_t deviceCuda = 1;
  int32_t dtypes[static_cast<int>(DType::Count)] = {};
};

// CUDA runtime calls for pinned staging and memory figures; libcudart comes with libtorch_cuda.
struct CudartApi {
  int (*setDevice)(int) = nullptr;
  int (*getDevice)(int*) = nullptr;
  int (*streamDestroy)(void*) = nullptr;
  int (*hostRegister)(void*, size_t, unsigned int) = nullptr;
  int (*hostUnregister)(void*) = nullptr;
  int (*getLastError)() = nullptr;
  int (*mallocHost)(void**, size_t) = nullptr;
  int (*freeHost)(void*) = nullptr;
  int (*malloc)(void**, size_t) = nullptr;
  int (*free)(void*) = nullptr;
  int (*memcpy)(void*, const void*, size_t, int) = nullptr;
  int (*memcpyAsync)(void*, const void*, size_t, int, void*) = nullptr;
  int (*streamCreateWithFlags)(void**, unsigned int) = nullptr;
  int (*streamSynchronize)(void*) = nullptr;
  int (*deviceSynchronize)() = nullptr;
  int (*memGetInfo)(size_t*, size_t*) = nullptr;
  bool ok() const {
    return setDevice && getDevice && streamDestroy && hostRegister && hostUnregister && mallocHost && freeHost && malloc && free && memcpy && memcpyAsync && streamCreateWithFlags &&
           streamSynchronize && deviceSynchronize && memGetInfo;
  }
};
constexpr int kHostToDevice = 1;
constexpr size_t kStagingBytes = 32u << 20;

// Where the backend finds the shim: the libraries that provide it (libtorch's, in load order, or
// the addon itself for the standalone runtime), asked one by one. Not RTLD_DEFAULT: the addon is
// linked -Bsymbolic, so from inside it RTLD_DEFAULT finds the addon's own shim (src/shim) first.
std::vector<void*> g_shimLibraries;
std::string g_shimName;

}  // namespace

void* FindShimSymbol(const char* name) {
  for (void* lib : g_shimLibraries)
    if (void* symbol = ::dlsym(lib, name)) return symbol;
  return nullptr;
}

namespace {

void* FindShim(const char* name) { return FindShimSymbol(name); }

template <typename F>
void Need(F& slot, const char* name) {
  slot = reinterpret_cast<F>(FindShim(name));
  if (slot == nullptr)
    throw NativeError("NATIVE_TORCH_SYMBOL", g_shimName + " does not export " + name);
}

int32_t DtypeOr(const char* name, int32_t fallback) {
  auto fn = reinterpret_cast<int32_t (*)()>(FindShim(name));
  return fn ? fn() : fallback;
}

int FindCudart(struct dl_phdr_info* info, size_t, void* out) {
  if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "libcudart.so") != nullptr) {
    *static_cast<std::string*>(out) = info->dlpi_name;
    return 1;
  }
  return 0;
}

template <typename F>
void Maybe(void* lib, F& slot, const char* name) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
}

void Check(Err rc, const char* call) {
  if (rc != 0) throw NativeError("NATIVE_TORCH", std::string(call) + " failed (libtorch printed the cause on stderr)");
}

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

class LibtorchBackend final : public TensorBackend {
 public:
  LibtorchBackend(std::string description, std::string libDir, bool cuda)
      : description_(std::move(description)), libDir_(std::move(libDir)), cuda_(cuda) {
    Need(shim_.fromBlob, "aoti_torch_create_tensor_from_blob");
    Need(shim_.emptyStrided, "aoti_torch_empty_strided");
    Need(shim_.copy, "aoti_torch_copy_");
    Need(shim_.deleteTensor, "aoti_torch_delete_tensor_object");
    Need(shim_.newHandle, "aoti_torch_new_tensor_handle");
    Need(shim_.getDataPtr, "aoti_torch_get_data_ptr");
    Need(shim_.getDim, "aoti_torch_get_dim");
    Need(shim_.getSizes, "aoti_torch_get_sizes");
    Need(shim_.getDtype, "aoti_torch_get_dtype");
    Need(shim_.getDeviceType, "aoti_torch_get_device_type");
    Need(shim_.getStrides, "aoti_torch_get_strides");
    Need(shim_.getDeviceIndex, "aoti_torch_get_device_index");
    // Ask the shim for every code (docs/architecture.md 2.2); -1 marks a dtype this torch lacks.
    const char* names[] = {"aoti_torch_dtype_float32",       "aoti_torch_dtype_float16",
                           "aoti_torch_dtype_bfloat16",      "aoti_torch_dtype_float8_e4m3fn",
                           "aoti_torch_dtype_float8_e5m2",   "aoti_torch_dtype_int64",
                           "aoti_torch_dtype_int32",         "aoti_torch_dtype_int8",
                           "aoti_torch_dtype_uint8",         "aoti_torch_dtype_bool"};
    for (int i = 0; i < static_cast<int>(DType::Count); i++) shim_.dtypes[i] = DtypeOr(names[i], -1);
    shim_.deviceCpu = DtypeOr("aoti_torch_device_type_cpu", 0);
    shim_.deviceCuda = DtypeOr("aoti_torch_device_type_cuda", 1);
    if (cuda_) {
      BindCudart();
      shim_.createStreamGuard =
          reinterpret_cast<decltype(shim_.createStreamGuard)>(FindShim("aoti_torch_create_cuda_stream_guard"));
      shim_.deleteStreamGuard =
          reinterpret_cast<decltype(shim_.deleteStreamGuard)>(FindShim("aoti_torch_delete_cuda_stream_guard"));
    }
  }

  std::string Describe() const override { return description_ + (cuda_ ? " (CUDA)" : " (CPU)"); }

  int32_t DtypeCode(DType dtype) const override {
    int32_t code = shim_.dtypes[static_cast<int>(dtype)];
    if (code < 0) throw NativeError("NATIVE_BAD_DTYPE", std::string("this libtorch has no dtype ") + DTypeName(dtype));
    return code;
  }

  int DTypeFromCode(int32_t code) const override {
    for (int i = 0; i < static_cast<int>(DType::Count); i++) {
      if (shim_.dtypes[i] == code) return i;
    }
    return -1;
  }

  AtenTensorHandle FromBlob(void* data, const std::vector<int64_t>& shape, DType dtype, DeviceRef device) override {
    auto strides = ContiguousStrides(shape);
    AtenTensorHandle out = nullptr;
    Check(shim_.fromBlob(data, static_cast<int64_t>(shape.size()), shape.data(), strides.data(), 0, DtypeCode(dtype),
                         DeviceType(device), device.index, &out),
          "aoti_torch_create_tensor_from_blob");
    return out;
  }

  AtenTensorHandle Empty(const std::vector<int64_t>& shape, DType dtype, DeviceRef device) override {
    auto strides = ContiguousStrides(shape);
    AtenTensorHandle out = nullptr;
    Check(shim_.emptyStrided(static_cast<int64_t>(shape.size()), shape.data(), strides.data(), DtypeCode(dtype),
                             DeviceType(device), device.index, &out),
          "aoti_torch_empty_strided");
    return out;
  }

  void Copy(AtenTensorHandle dst, AtenTensorHandle src) override { Check(shim_.copy(dst, src, 0), "aoti_torch_copy_"); }

  AtenTensorHandle Alias(AtenTensorHandle tensor) override {
    AtenTensorHandle out = nullptr;
    Check(shim_.newHandle(tensor, &out), "aoti_torch_new_tensor_handle");
    return out;
  }

  void Release(AtenTensorHandle tensor) override {
    if (tensor != nullptr) shim_.deleteTensor(tensor);
  }

  TensorInfo Inspect(AtenTensorHandle tensor) override {
    TensorInfo info;
    int64_t dim = 0;
    int64_t* sizes = nullptr;
    int64_t* strides = nullptr;
    int32_t deviceType = 0;
    int32_t deviceIndex = 0;
    Check(shim_.getDtype(tensor, &info.dtypeCode), "aoti_torch_get_dtype");
    Check(shim_.getDim(tensor, &dim), "aoti_torch_get_dim");
    Check(shim_.getSizes(tensor, &sizes), "aoti_torch_get_sizes");
    Check(shim_.getStrides(tensor, &strides), "aoti_torch_get_strides");
    Check(shim_.getDataPtr(tensor, &info.data), "aoti_torch_get_data_ptr");
    Check(shim_.getDeviceType(tensor, &deviceType), "aoti_torch_get_device_type");
    Check(shim_.getDeviceIndex(tensor, &deviceIndex), "aoti_torch_get_device_index");
    info.sizes.assign(sizes, sizes + dim);
    info.strides.assign(strides, strides + dim);
    info.cuda = deviceType == shim_.deviceCuda;
    info.deviceIndex = info.cuda ? deviceIndex : 0;
    return info;
  }

  // Double-buffered pinned staging: the CPU fills one buffer from the (pageable, mmapped) source
  // while the DMA engine drains the other, which is what gets near-pinned bandwidth (arch. 2.3).
  void Upload(void* deviceDst, const void* hostSrc, size_t bytes, int deviceIndex) override {
    RequireCudart();
    std::lock_guard<std::mutex> lock(stagingMutex_);
    CheckCuda(cudart_.setDevice(deviceIndex), "cudaSetDevice");
    EnsureStaging();
    size_t done = 0;
    int slot = 0;
    while (done < bytes) {
      const size_t n = std::min(kStagingBytes, bytes - done);
      CheckCuda(cudart_.streamSynchronize(streams_[slot]), "cudaStreamSynchronize");
      std::memcpy(staging_[slot], static_cast<const uint8_t*>(hostSrc) + done, n);
      CheckCuda(cudart_.memcpyAsync(static_cast<uint8_t*>(deviceDst) + done, staging_[slot], n, kHostToDevice,
                                    streams_[slot]),
                "cudaMemcpyAsync");
      done += n;
      slot ^= 1;
    }
    CheckCuda(cudart_.streamSynchronize(streams_[0]), "cudaStreamSynchronize");
    CheckCuda(cudart_.streamSynchronize(streams_[1]), "cudaStreamSynchronize");
  }

  // cudaGetDevice reads a thread-local; cudaSetDevice is skipped when it would change nothing. It
  // still runs once per thread: cudaGetDevice says 0 on a thread with no current context, and
  // cuBLAS then warns "no current CUDA context" on that thread's first run (seen on an H200).
  void UseDevice(DeviceRef device) override {
    if (!device.cuda) return;
    RequireCudart();
    thread_local bool contextMadeCurrent = false;
    int current = -1;
    if (contextMadeCurrent && cudart_.getDevice(&current) == 0 && current == device.index) return;
    CheckCuda(cudart_.setDevice(device.index), "cudaSetDevice");
    contextMadeCurrent = true;
  }

  void* AllocHost(size_t bytes, bool pinned) override {
    const size_t size = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
    void* data = nullptr;
    if (pinned && cuda_ && cudart_.ok()) {
      CheckCuda(cudart_.mallocHost(&data, size), "cudaMallocHost");
      return data;
    }
    data = std::aligned_alloc(64, size);
    if (data == nullptr) throw NativeError("NATIVE_OOM", "cannot allocate " + std::to_string(bytes) + " host bytes");
    return data;
  }

  void FreeHost(void* data, bool pinned) override {
    if (data == nullptr) return;
    if (pinned && cuda_ && cudart_.ok())
      cudart_.freeHost(data);
    else
      std::free(data);
  }

  // Streams are pooled per device instead of created and destroyed with each container: torch's
  // caching allocator keeps freed blocks per stream, so memory a container allocated on a stream
  // that is then destroyed is never handed out again (500 load/dispose cycles on an H200 grew
  // device memory by 14.6 GiB). A returned stream is idle (synchronized) before anyone reuses it.
  void* CreateStream(int deviceIndex) override {
    RequireCudart();
    UseDevice(DeviceRef{true, deviceIndex});
    {
      std::lock_guard<std::mutex> lock(streamPoolMutex_);
      auto& idle = idleStreams_[deviceIndex];
      if (!idle.empty()) {
        void* stream = idle.back();
        idle.pop_back();
        return stream;
      }
    }
    void* stream = nullptr;
    CheckCuda(cudart_.streamCreateWithFlags(&stream, 1 /* cudaStreamNonBlocking */), "cudaStreamCreateWithFlags");
    std::lock_guard<std::mutex> lock(streamPoolMutex_);
    streamDevice_[stream] = deviceIndex;
    return stream;
  }

  void DestroyStream(void* stream) override {
    if (stream == nullptr || !cudart_.ok()) return;
    if (cudart_.streamSynchronize(stream) != 0) {
      // A stream in an error state is not handed out again.
      std::lock_guard<std::mutex> lock(streamPoolMutex_);
      streamDevice_.erase(stream);
      cudart_.streamDestroy(stream);
      return;
    }
    std::lock_guard<std::mutex> lock(streamPoolMutex_);
    auto& idle = idleStreams_[streamDevice_[stream]];
    if (idle.size() < kMaxIdleStreamsPerDevice) {
      idle.push_back(stream);
      return;
    }
    streamDevice_.erase(stream);
    cudart_.streamDestroy(stream);
  }

  void CopyAsync(void* dst, const void* src, size_t bytes, CopyKind kind, void* stream) override {
    RequireCudart();
    if (bytes == 0) return;
    CheckCuda(cudart_.memcpyAsync(dst, src, bytes, static_cast<int>(kind), stream), "cudaMemcpyAsync");
  }

  void WaitStream(void* stream) override {
    RequireCudart();
    CheckCuda(cudart_.streamSynchronize(stream), "cudaStreamSynchronize");
  }

  void* EnterStream(void* stream, int deviceIndex) override {
    if (shim_.createStreamGuard == nullptr) return nullptr;
    void* guard = nullptr;
    Check(shim_.createStreamGuard(stream, deviceIndex, &guard), "aoti_torch_create_cuda_stream_guard");
    return guard;
  }

  bool RegisterHost(void* data, size_t bytes) override {
    RequireCudart();
    // cudaHostRegisterReadOnly (8): the mapping is PROT_READ. Portable (1): any context may use it.
    if (cudart_.hostRegister(data, bytes, 8 | 1) == 0) return true;
    if (cudart_.getLastError != nullptr) cudart_.getLastError();  // clear the sticky-free error
    return false;
  }

  void UnregisterHost(void* data) override {
    if (data != nullptr && cudart_.ok()) cudart_.hostUnregister(data);
  }

  void LeaveStream(void* guard) override {
    if (guard != nullptr && shim_.deleteStreamGuard != nullptr) shim_.deleteStreamGuard(guard);
  }

  void Synchronize(int deviceIndex) override {
    if (!cuda_) return;
    RequireCudart();
    CheckCuda(cudart_.setDevice(deviceIndex), "cudaSetDevice");
    CheckCuda(cudart_.deviceSynchronize(), "cudaDeviceSynchronize");
  }

  DeviceMemory MemoryInfo(int deviceIndex) override {
    RequireCudart();
    CheckCuda(cudart_.setDevice(deviceIndex), "cudaSetDevice");
    size_t freeBytes = 0, totalBytes = 0;
    CheckCuda(cudart_.memGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo");
    return {static_cast<double>(freeBytes), static_cast<double>(totalBytes)};
  }

  double PinnedCopyGbps(size_t bytes, int deviceIndex) override {
    RequireCudart();
    CheckCuda(cudart_.setDevice(deviceIndex), "cudaSetDevice");
    void* host = nullptr;
    void* device = nullptr;
    CheckCuda(cudart_.mallocHost(&host, bytes), "cudaMallocHost");
    if (int rc = cudart_.malloc(&device, bytes); rc != 0) {
      cudart_.freeHost(host);
      CheckCuda(rc, "cudaMalloc");
    }
    std::memset(host, 1, bytes);
    cudart_.memcpy(device, host, bytes, kHostToDevice);  // warm-up
    const auto start = std::chrono::steady_clock::now();
    const int rc = cudart_.memcpy(device, host, bytes, kHostToDevice);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cudart_.free(device);
    cudart_.freeHost(host);
    CheckCuda(rc, "cudaMemcpy");
    return static_cast<double>(bytes) / seconds / 1e9;
  }

 private:
  int32_t DeviceType(DeviceRef device) const { return device.cuda ? shim_.deviceCuda : shim_.deviceCpu; }

  void BindCudart() {
    void* lib = RTLD_DEFAULT;
    if (::dlsym(lib, "cudaMemcpyAsync") == nullptr) {
      std::string path;
      dl_iterate_phdr(FindCudart, &path);
      lib = path.empty() ? nullptr : ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
      if (lib == nullptr) return;
    }
    Maybe(lib, cudart_.setDevice, "cudaSetDevice");
    Maybe(lib, cudart_.getDevice, "cudaGetDevice");
    Maybe(lib, cudart_.streamDestroy, "cudaStreamDestroy");
    Maybe(lib, cudart_.hostRegister, "cudaHostRegister");
    Maybe(lib, cudart_.hostUnregister, "cudaHostUnregister");
    Maybe(lib, cudart_.getLastError, "cudaGetLastError");
    Maybe(lib, cudart_.mallocHost, "cudaMallocHost");
    Maybe(lib, cudart_.freeHost, "cudaFreeHost");
    Maybe(lib, cudart_.malloc, "cudaMalloc");
    Maybe(lib, cudart_.free, "cudaFree");
    Maybe(lib, cudart_.memcpy, "cudaMemcpy");
    Maybe(lib, cudart_.memcpyAsync, "cudaMemcpyAsync");
    Maybe(lib, cudart_.streamCreateWithFlags, "cudaStreamCreateWithFlags");
    Maybe(lib, cudart_.streamSynchronize, "cudaStreamSynchronize");
    Maybe(lib, cudart_.deviceSynchronize, "cudaDeviceSynchronize");
    Maybe(lib, cudart_.memGetInfo, "cudaMemGetInfo");
  }

  void RequireCudart() const {
    if (!cuda_ || !cudart_.ok())
      throw NativeError("NATIVE_NO_CUDA_RUNTIME", "the CUDA runtime (libcudart) is not loaded with this libtorch");
  }

  static void CheckCuda(int rc, const char* call) {
    if (rc != 0) throw NativeError("NATIVE_CUDA", std::string(call) + " returned CUDA error " + std::to_string(rc));
  }

  void EnsureStaging() {
    if (staging_[0] != nullptr) return;
    for (int i = 0; i < 2; i++) {
      CheckCuda(cudart_.mallocHost(&staging_[i], kStagingBytes), "cudaMallocHost");
      CheckCuda(cudart_.streamCreateWithFlags(&streams_[i], 1 /* cudaStreamNonBlocking */), "cudaStreamCreate");
    }
  }

  std::string description_;
  std::string libDir_;
  bool cuda_;
  ShimApi shim_{};
  CudartApi cudart_{};
  std::mutex stagingMutex_;
  static constexpr size_t kMaxIdleStreamsPerDevice = 32;
  std::mutex streamPoolMutex_;
  std::unordered_map<int, std::vector<void*>> idleStreams_;
  std::unordered_map<void*, int> streamDevice_;
  void* staging_[2] = {nullptr, nullptr};
  void* streams_[2] = {nullptr, nullptr};
};

std::mutex g_loadMutex;
TorchLoadResult g_loaded;
bool g_isLoaded = false;

void* OpenGlobal(const std::string& path, std::string& failures) {
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    failures += "\n    " + path + ": " + (why ? why : "unknown dlopen failure");
  }
  return lib;
}

// The preload (StartLibtorchPreload): its thread is never destroyed, like the CUDA prewarm's, so
// that a process whose load failed early does not end in std::thread's destructor.
std::mutex g_preloadMutex;
std::thread* g_preloadThread = nullptr;
LibtorchPreloadTimes g_preload;

// The libraries LoadLibtorch opens, in its order.
std::vector<std::string> LibtorchFiles(const std::string& libDir, bool withCuda) {
  std::vector<std::string> files{libDir + "/libtorch_cpu.so", libDir + "/libtorch.so"};
  if (withCuda) files.push_back(libDir + "/libtorch_cuda.so");
  return files;
}

void Preload(std::string libDir, bool withCuda) {
  // libtorch_cuda binds to the prewarm's libcudart (see cuda-prewarm.h), and libcuda is opened by an
  // early driver start before this takes the loader's lock; each returns at once where none runs
  WaitCudaPrewarmRuntime();
  WaitCudaContextEarlyDriver();
  const double from = MonotonicMs();
  std::string error;
  for (const auto& file : LibtorchFiles(libDir, withCuda)) {
    // Kept open for the process (LoadLibtorch's RTLD_GLOBAL open of the same file takes it over).
    if (::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
      const char* why = ::dlerror();
      error = file + ": " + (why ? why : "unknown dlopen failure");
      break;
    }
  }
  std::lock_guard<std::mutex> lock(g_preloadMutex);
  g_preload.from = from;
  g_preload.to = MonotonicMs();
  g_preload.error = error;
}


}  // namespace

bool StartLibtorchPreload(const std::string& libDir, bool withCuda) {
  {
    std::lock_guard<std::mutex> loadLock(g_loadMutex);
    if (g_isLoaded) return false;
  }
  std::lock_guard<std::mutex> lock(g_preloadMutex);
  if (g_preload.ran) return false;
  g_preload.ran = true;
  g_preload.libDir = libDir;
  g_preload.cuda = withCuda;
  try {
    g_preloadThread = new std::thread(Preload, libDir, withCuda);
  } catch (...) {
    g_preload.error = "could not start the preload thread";
    return false;
  }
  return true;
}

LibtorchPreloadTimes LibtorchPreloadSnapshot() {
  std::lock_guard<std::mutex> lock(g_preloadMutex);
  return g_preload;
}

// Accounts the wait (LoadLibtorch's, in its stage table).
void JoinLibtorchPreload() {
  const double t = MonotonicMs();
  std::thread* thread = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_preloadMutex);
    std::swap(thread, g_preloadThread);
  }
  if (thread == nullptr) return;
  if (thread->joinable()) thread->join();
  delete thread;
  std::lock_guard<std::mutex> lock(g_preloadMutex);
  g_preload.joinWaitMs += MonotonicMs() - t;
}

TensorBackend* MakeShimBackend(const std::string& description, const std::string& libDir, bool cuda,
                               const std::vector<void*>& shimLibraries) {
  g_shimLibraries = shimLibraries;
  g_shimName = description;
  return new LibtorchBackend(description, libDir, cuda);
}

TorchLoadResult LoadLibtorch(const std::string& libDir, bool withCuda) {
  std::lock_guard<std::mutex> lock(g_loadMutex);
  CheckRuntimeFree(RuntimeKind::Libtorch);
  if (g_isLoaded) {
    if (g_loaded.libDir != libDir)
      throw NativeError("NATIVE_TORCH_CONFLICT", "libtorch is already loaded from " + g_loaded.libDir +
                                                     "; one process can hold only one libtorch (asked for " + libDir +
                                                     ")");
    if (withCuda && !g_loaded.cuda)
      throw NativeError("NATIVE_TORCH_CONFLICT", "libtorch was loaded without CUDA in this process");
    TorchLoadResult again = g_loaded;
    again.loadMs = 0;
    again.joinedPreload = false;
    return again;
  }
  JoinLibtorchPreload();
  bool joinedPreload = false;
  {
    std::lock_guard<std::mutex> lock(g_preloadMutex);
    // a CPU-only preload followed by a CUDA load: libtorch_cuda's dlopen happens below, so the
    // load's own stamps tell the time, not the preload's
    joinedPreload = g_preload.ran && (g_preload.cuda || !withCuda);
    // The preload mapped this libtorch already: another one in the same process cannot work.
    if (g_preload.ran && g_preload.libDir != libDir)
      throw NativeError("NATIVE_TORCH_CONFLICT", "libtorch is already mapped from " + g_preload.libDir +
                                                     "; one process can hold only one libtorch (asked for " + libDir +
                                                     ")");
  }
  const auto start = std::chrono::steady_clock::now();
  std::string failures;
  // Order matters (docs/architecture.md 2.3): a model's DT_NEEDED entries then resolve to these by soname.
  std::vector<void*> libs;
  libs.push_back(OpenGlobal(libDir + "/libtorch_cpu.so", failures));
  if (failures.empty()) libs.push_back(OpenGlobal(libDir + "/libtorch.so", failures));
  if (failures.empty() && withCuda) libs.push_back(OpenGlobal(libDir + "/libtorch_cuda.so", failures));
  if (!failures.empty()) throw NativeError("NATIVE_TORCH_LOAD", "dlopen failed:" + failures);
  // CUDA shim functions (stream guards) live in libtorch_cuda: asked first.
  std::reverse(libs.begin(), libs.end());
  // Compiled CPU GEMMs (inductor's CPP template) may use AMX before libtorch ever asked for it.
  RequestAmxPermission();
  SetBackend(MakeShimBackend("libtorch at " + libDir, libDir, withCuda, libs));  // process lifetime
  MarkRuntimeLoaded(RuntimeKind::Libtorch);
  g_loaded.libDir = libDir;
  g_loaded.cuda = withCuda;
  g_loaded.joinedPreload = joinedPreload;
  g_loaded.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  g_isLoaded = true;
  return g_loaded;
}

}  // namespace aotihub
