#include "cuda-prewarm.h"

#include "pinned-ring.h"
#include "weight-upload.h"

#include <dlfcn.h>
#include <link.h>

#include <cstring>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace aotihub {

namespace {

std::mutex g_mutex;
std::condition_variable g_changed;
// Never destroyed: a thread not joined by exit (a load that failed early) must not end the process
// in std::thread's destructor.
std::thread* g_thread = nullptr;
bool g_started = false;
bool g_contextDone = true;  // nothing to wait for until a prewarm starts
bool g_runtimeDone = true;
CudaPrewarmTimes g_times;

void Fail(const std::string& what) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_times.error.empty()) g_times.error = what;
}

void* Open(const std::string& path) {
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    Fail("dlopen " + path + ": " + (why ? why : "unknown"));
  }
  return lib;
}

void MarkContextDone() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_contextDone = true;
    g_runtimeDone = true;
  }
  g_changed.notify_all();
}

// One 64x64x64 bf16 GEMM (fp32 accumulation, as torch's bf16 matmuls) on a stream of its own, through
// the handle just created. What it pays is process-wide (cuBLAS loading its kernels and choosing
// them): the model's GEMMs, on torch's own handles and other shapes, then start at steady speed.
// The enum values are cuBLAS's and the CUDA runtime's ABI (cublas_api.h, library_types.h,
// driver_types.h): CUDA_R_16BF 14, CUBLAS_COMPUTE_32F 68, CUBLAS_GEMM_DEFAULT -1,
// cudaStreamNonBlocking 1. A failure is recorded and the load goes on (the first call pays it).
void FirstGemm(void* cudart, void* cublas, void* handle) {
  using Malloc = int (*)(void**, size_t);
  using Free = int (*)(void*);
  using StreamCreate = int (*)(void**, unsigned);
  using StreamSync = int (*)(void*);
  using StreamDestroy = int (*)(void*);
  using MemsetAsync = int (*)(void*, int, size_t, void*);
  using SetStream = int (*)(void*, void*);
  using GemmEx = int (*)(void*, int, int, int, int, int, const void*, const void*, int, int, const void*,
                         int, int, const void*, void*, int, int, int, int);
  auto sym = [](void* lib, const char* name) { return lib ? ::dlsym(lib, name) : nullptr; };
  auto malloc_ = reinterpret_cast<Malloc>(sym(cudart, "cudaMalloc"));
  auto free_ = reinterpret_cast<Free>(sym(cudart, "cudaFree"));
  auto streamCreate = reinterpret_cast<StreamCreate>(sym(cudart, "cudaStreamCreateWithFlags"));
  auto streamSync = reinterpret_cast<StreamSync>(sym(cudart, "cudaStreamSynchronize"));
  auto streamDestroy = reinterpret_cast<StreamDestroy>(sym(cudart, "cudaStreamDestroy"));
  auto memsetAsync = reinterpret_cast<MemsetAsync>(sym(cudart, "cudaMemsetAsync"));
  auto setStream = reinterpret_cast<SetStream>(sym(cublas, "cublasSetStream_v2"));
  auto gemmEx = reinterpret_cast<GemmEx>(sym(cublas, "cublasGemmEx"));
  if (!malloc_ || !free_ || !streamCreate || !streamSync || !streamDestroy || !memsetAsync || !setStream || !gemmEx) {
    Fail("the prewarm GEMM: a CUDA runtime or cuBLAS symbol is missing");
    return;
  }
  constexpr int n = 64;
  constexpr size_t bytes = n * n * 2;
  void* stream = nullptr;
  void* buffer = nullptr;  // A, B and C, one after the other
  if (streamCreate(&stream, 1) != 0 || malloc_(&buffer, 3 * bytes) != 0) {
    Fail("the prewarm GEMM: no stream or no device memory");
    if (stream != nullptr) streamDestroy(stream);
    return;
  }
  auto* a = static_cast<char*>(buffer);
  const float alpha = 1.0f, beta = 0.0f;
  int rc = memsetAsync(buffer, 0, 3 * bytes, stream);
  if (rc == 0) rc = setStream(handle, stream);
  if (rc == 0) rc = gemmEx(handle, 0, 0, n, n, n, &alpha, a, 14, n, a + bytes, 14, n, &beta, a + 2 * bytes, 14, n, 68, -1);
  if (rc == 0) rc = streamSync(stream);
  if (rc != 0) Fail("the prewarm GEMM failed (" + std::to_string(rc) + ")");
  setStream(handle, nullptr);
  free_(buffer);
  streamDestroy(stream);
  if (rc != 0) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  g_times.gemmReady = MonotonicMs();
}

void Run(CudaPrewarmSpec spec) {
  void* cudart = Open(spec.cudart);
  // cudart's own initialisation dlopens libcuda: done here, before libtorch's dlopen takes the
  // loader's lock for ~0.3 s (libtorch waits for this step), so the context creation below does
  // not queue behind it. cudaGetDeviceCount initialises the runtime without creating a context.
  using GetDeviceCount = int (*)(int*);
  auto count = cudart ? reinterpret_cast<GetDeviceCount>(::dlsym(cudart, "cudaGetDeviceCount")) : nullptr;
  int devices = 0;
  if (count != nullptr && count(&devices) != 0) Fail("cudaGetDeviceCount failed");
  // dlsym takes the loader's lock too: every symbol is looked up before libtorch may start.
  using SetDevice = int (*)(int);
  using Free = int (*)(void*);
  auto setDevice = cudart ? reinterpret_cast<SetDevice>(::dlsym(cudart, "cudaSetDevice")) : nullptr;
  auto cudaFree = cudart ? reinterpret_cast<Free>(::dlsym(cudart, "cudaFree")) : nullptr;
  using MallocHost = int (*)(void**, size_t);
  auto mallocHost = cudart ? reinterpret_cast<MallocHost>(::dlsym(cudart, "cudaMallocHost")) : nullptr;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.cudartLoaded = MonotonicMs();
    g_runtimeDone = true;
  }
  g_changed.notify_all();
  bool context = false;
  if (setDevice != nullptr && cudaFree != nullptr) {
    // cudaFree(nullptr) is the documented way to create the primary context without side effects.
    const int rc = setDevice(spec.device) == 0 ? cudaFree(nullptr) : -1;
    if (rc != 0) Fail("cudaSetDevice/cudaFree(0) failed (" + std::to_string(rc) + ")");
    context = rc == 0;
  } else if (cudart != nullptr) {
    Fail("libcudart lacks cudaSetDevice/cudaFree");
  }
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (context) g_times.contextReady = MonotonicMs();
  }
  MarkContextDone();
  if (!context) return;
  // The weight upload's pinned staging slots, page-locked here while libtorch is still loading:
  // on the first load of a process they cost ~34 ms of a 1 GiB upload on an H200 (18 vs 45 GB/s;
  // docs/benchmarks.md, goal 1). Fewer where locked memory runs out: the upload pins the rest.
  if (mallocHost != nullptr) {
    std::vector<void*> slots;
    for (size_t i = 0, n = PinnedSlotsWanted(); i < n; i++) {
      void* slot = nullptr;
      if (mallocHost(&slot, PinnedSlotBytes()) != 0 || slot == nullptr) break;
      slots.push_back(slot);
    }
    ReturnPinnedSlots(slots);
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.stagingPinned = MonotonicMs();
  }
  // The handles themselves are thrown away: libtorch keeps its own pool; what is paid here is each
  // library's process-wide initialisation on this context. Created and destroyed on this thread.
  using Create = int (*)(void**);
  using Destroy = int (*)(void*);
  auto warm = [&](const std::string& path, const char* create, const char* destroy, double& stamp,
                  const std::function<void(void*, void*)>& use) {
    if (path.empty()) return;
    void* lib = Open(path);
    if (lib == nullptr) return;
    auto c = reinterpret_cast<Create>(::dlsym(lib, create));
    auto d = reinterpret_cast<Destroy>(::dlsym(lib, destroy));
    void* handle = nullptr;
    if (c == nullptr || d == nullptr || c(&handle) != 0) {
      Fail(std::string(create) + " failed in " + path);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      stamp = MonotonicMs();
    }
    if (use) use(lib, handle);
    d(handle);
  };
  warm(spec.cublasLt, "cublasLtCreate", "cublasLtDestroy", g_times.cublasLtReady, nullptr);
  warm(spec.cublas, "cublasCreate_v2", "cublasDestroy_v2", g_times.cublasReady,
       spec.gemm ? [&](void* lib, void* handle) { FirstGemm(cudart, lib, handle); } : std::function<void(void*, void*)>());
  // The libraries stay loaded (RTLD_GLOBAL, never dlclosed): libtorch binds to these copies.
}

}  // namespace

double MonotonicMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void StartCudaPrewarm(const CudaPrewarmSpec& spec) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_started || spec.cudart.empty()) return;
  g_started = true;
  g_contextDone = false;
  g_runtimeDone = false;
  g_times.start = MonotonicMs();
  try {
    g_thread = new std::thread(Run, spec);
  } catch (...) {
    g_contextDone = true;
    g_runtimeDone = true;
    g_times.error = "could not start the prewarm thread";
  }
}

void WaitCudaPrewarmRuntime() {
  std::unique_lock<std::mutex> lock(g_mutex);
  g_changed.wait(lock, [] { return g_runtimeDone; });
}

void WaitCudaPrewarmContext() {
  const double t = MonotonicMs();
  std::unique_lock<std::mutex> lock(g_mutex);
  g_changed.wait(lock, [] { return g_contextDone; });
  g_times.contextWaitMs += MonotonicMs() - t;
}

void JoinCudaPrewarm() {
  const double t = MonotonicMs();
  std::thread* thread = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    std::swap(thread, g_thread);
  }
  if (thread != nullptr && thread->joinable()) thread->join();
  delete thread;
  std::lock_guard<std::mutex> lock(g_mutex);
  g_times.joinWaitMs += MonotonicMs() - t;
}

int LoadedLibraryCount(const char* needle) {
  struct Count {
    const char* needle;
    int n;
  } count{needle, 0};
  ::dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) {
        auto* c = static_cast<Count*>(data);
        if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, c->needle) != nullptr) c->n++;
        return 0;
      },
      &count);
  return count.n;
}

CudaPrewarmTimes CudaPrewarmSnapshot() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_times;
}

}  // namespace aotihub
