#include "cuda-prewarm.h"

#include "pinned-ring.h"
#include "weight-upload.h"

#include <dlfcn.h>
#include <link.h>

#include <cstring>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
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
bool g_loadStepsDone = true;  // all but the GEMM, which may go on until the first run
bool g_threadDone = true;
std::atomic<bool> g_finished{true};  // the thread joined (or never started): runs pass straight on
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

void MarkLoadStepsDone() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_loadStepsDone = true;
  }
  g_changed.notify_all();
}

void MarkContextDone() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_contextDone = true;
    g_runtimeDone = true;
  }
  g_changed.notify_all();
}

// Every function the thread calls, looked up before libtorch's dlopen may start: dlopen and dlsym
// take the loader's lock, which that dlopen holds for ~0.3 s. With the cuBLAS libraries opened here
// too (libtorch needs them anyway, so its own dlopen shrinks by as much), the handles and the GEMM
// below run during libtorch's dlopen instead of after it.
struct RuntimeApi {
  int (*getDeviceCount)(int*) = nullptr;
  int (*setDevice)(int) = nullptr;
  int (*free)(void*) = nullptr;
  int (*mallocHost)(void**, size_t) = nullptr;
  int (*malloc)(void**, size_t) = nullptr;
  int (*streamCreate)(void**, unsigned) = nullptr;
  int (*streamSync)(void*) = nullptr;
  int (*streamDestroy)(void*) = nullptr;
  int (*memsetAsync)(void*, int, size_t, void*) = nullptr;
};

struct BlasApi {
  int (*create)(void**) = nullptr;
  int (*destroy)(void*) = nullptr;
  int (*setStream)(void*, void*) = nullptr;  // cuBLAS only
  int (*gemmEx)(void*, int, int, int, int, int, const void*, const void*, int, int, const void*, int, int,
                const void*, void*, int, int, int, int) = nullptr;  // cuBLAS only
};

template <typename F>
void Bind(void* lib, const char* name, F& fn) {
  fn = lib ? reinterpret_cast<F>(::dlsym(lib, name)) : nullptr;
}

RuntimeApi BindRuntime(void* cudart) {
  RuntimeApi api;
  Bind(cudart, "cudaGetDeviceCount", api.getDeviceCount);
  Bind(cudart, "cudaSetDevice", api.setDevice);
  Bind(cudart, "cudaFree", api.free);
  Bind(cudart, "cudaMallocHost", api.mallocHost);
  Bind(cudart, "cudaMalloc", api.malloc);
  Bind(cudart, "cudaStreamCreateWithFlags", api.streamCreate);
  Bind(cudart, "cudaStreamSynchronize", api.streamSync);
  Bind(cudart, "cudaStreamDestroy", api.streamDestroy);
  Bind(cudart, "cudaMemsetAsync", api.memsetAsync);
  return api;
}

// A cuBLAS library opened and its functions found, or an empty API (the step is then skipped).
BlasApi OpenBlas(const std::string& path, const char* create, const char* destroy, bool gemm) {
  BlasApi api;
  if (path.empty()) return api;
  void* lib = Open(path);
  if (lib == nullptr) return api;
  Bind(lib, create, api.create);
  Bind(lib, destroy, api.destroy);
  if (api.create == nullptr || api.destroy == nullptr) Fail(std::string(create) + " not found in " + path);
  if (gemm) {
    Bind(lib, "cublasSetStream_v2", api.setStream);
    Bind(lib, "cublasGemmEx", api.gemmEx);
  }
  return api;
}

// One 64x64x64 bf16 GEMM (fp32 accumulation, as torch's bf16 matmuls) on a stream of its own, through
// the handle just created. What it pays is process-wide (cuBLAS loading its kernels and choosing
// them): the model's GEMMs, on torch's own handles and other shapes, then start at steady speed.
// The enum values are cuBLAS's and the CUDA runtime's ABI (cublas_api.h, library_types.h,
// driver_types.h): CUDA_R_16BF 14, CUBLAS_COMPUTE_32F 68, CUBLAS_GEMM_DEFAULT -1,
// cudaStreamNonBlocking 1. A failure is recorded and the load goes on (the first call pays it).
void FirstGemm(const RuntimeApi& rt, const BlasApi& blas, void* handle) {
  if (!rt.malloc || !rt.free || !rt.streamCreate || !rt.streamSync || !rt.streamDestroy || !rt.memsetAsync ||
      !blas.setStream || !blas.gemmEx) {
    Fail("the prewarm GEMM: a CUDA runtime or cuBLAS function is missing");
    return;
  }
  constexpr int n = 64;
  constexpr size_t bytes = n * n * 2;
  void* stream = nullptr;
  void* buffer = nullptr;  // A, B and C, one after the other
  if (rt.streamCreate(&stream, 1) != 0 || rt.malloc(&buffer, 3 * bytes) != 0) {
    Fail("the prewarm GEMM: no stream or no device memory");
    if (stream != nullptr) rt.streamDestroy(stream);
    return;
  }
  auto* a = static_cast<char*>(buffer);
  const float alpha = 1.0f, beta = 0.0f;
  int rc = rt.memsetAsync(buffer, 0, 3 * bytes, stream);
  if (rc == 0) rc = blas.setStream(handle, stream);
  if (rc == 0)
    rc = blas.gemmEx(handle, 0, 0, n, n, n, &alpha, a, 14, n, a + bytes, 14, n, &beta, a + 2 * bytes, 14, n, 68, -1);
  if (rc == 0) rc = rt.streamSync(stream);
  if (rc != 0) Fail("the prewarm GEMM failed (" + std::to_string(rc) + ")");
  blas.setStream(handle, nullptr);
  rt.free(buffer);
  rt.streamDestroy(stream);
  if (rc != 0) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  g_times.gemmReady = MonotonicMs();
}

void Run(CudaPrewarmSpec spec) {
  void* cudart = Open(spec.cudart);
  const RuntimeApi rt = BindRuntime(cudart);
  // cudart's own initialisation dlopens libcuda: done here, before libtorch's dlopen takes the
  // loader's lock, so the context creation below does not queue behind it. cudaGetDeviceCount
  // initialises the runtime without creating a context.
  int devices = 0;
  if (rt.getDeviceCount != nullptr && rt.getDeviceCount(&devices) != 0) Fail("cudaGetDeviceCount failed");
  // A process may exit while the GEMM still runs: the thread is joined first. Registered after the
  // CUDA runtime's own exit handlers (its initialisation, just above), so it runs before them.
  std::atexit([] { FinishCudaPrewarm(); });
  const BlasApi lt = OpenBlas(spec.cublasLt, "cublasLtCreate", "cublasLtDestroy", false);
  const BlasApi blas = OpenBlas(spec.cublas, "cublasCreate_v2", "cublasDestroy_v2", spec.gemm);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.cudartLoaded = MonotonicMs();
    g_runtimeDone = true;
  }
  g_changed.notify_all();
  bool context = false;
  if (rt.setDevice != nullptr && rt.free != nullptr) {
    // cudaFree(nullptr) is the documented way to create the primary context without side effects.
    const int rc = rt.setDevice(spec.device) == 0 ? rt.free(nullptr) : -1;
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
  if (rt.mallocHost != nullptr) {
    std::vector<void*> slots;
    for (size_t i = 0, n = PinnedSlotsWanted(); i < n; i++) {
      void* slot = nullptr;
      if (rt.mallocHost(&slot, PinnedSlotBytes()) != 0 || slot == nullptr) break;
      slots.push_back(slot);
    }
    ReturnPinnedSlots(slots);
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.stagingPinned = MonotonicMs();
  }
  // The handles themselves are thrown away: libtorch keeps its own pool; what is paid here is each
  // library's process-wide initialisation on this context. Created and destroyed on this thread.
  auto warm = [&](const BlasApi& api, const char* what, double& stamp, bool gemm) {
    if (api.create == nullptr || api.destroy == nullptr) return;
    void* handle = nullptr;
    if (api.create(&handle) != 0) {
      Fail(std::string(what) + " failed");
      return;
    }
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      stamp = MonotonicMs();
    }
    if (gemm) {
      // The load has all it needs now; the GEMM goes on beside the rest of it, and the first CUDA
      // run waits for what is left of it (FinishCudaPrewarm).
      MarkLoadStepsDone();
      FirstGemm(rt, api, handle);
    }
    api.destroy(handle);
  };
  warm(lt, "cublasLtCreate", g_times.cublasLtReady, false);
  warm(blas, "cublasCreate_v2", g_times.cublasReady, spec.gemm);
  // The libraries stay loaded (RTLD_GLOBAL, never dlclosed): libtorch binds to these copies.
}

void Main(CudaPrewarmSpec spec) {
  Run(std::move(spec));
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_contextDone = g_runtimeDone = g_loadStepsDone = g_threadDone = true;
  }
  g_changed.notify_all();
}

}  // namespace

double MonotonicMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void StartCudaPrewarm(const CudaPrewarmSpec& spec) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_started || spec.cudart.empty()) return;
  g_started = true;
  g_contextDone = g_runtimeDone = g_loadStepsDone = g_threadDone = false;
  g_finished = false;
  g_times.start = MonotonicMs();
  try {
    g_thread = new std::thread(Main, spec);
  } catch (...) {
    g_contextDone = g_runtimeDone = g_loadStepsDone = g_threadDone = true;
    g_finished = true;
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
  std::unique_lock<std::mutex> lock(g_mutex);
  g_changed.wait(lock, [] { return g_loadStepsDone; });
  g_times.joinWaitMs += MonotonicMs() - t;
}

void FinishCudaPrewarm() {
  if (g_finished.load(std::memory_order_acquire)) return;
  std::thread* thread = nullptr;
  {
    std::unique_lock<std::mutex> lock(g_mutex);
    g_changed.wait(lock, [] { return g_threadDone; });
    std::swap(thread, g_thread);
  }
  if (thread != nullptr && thread->joinable()) thread->join();
  delete thread;
  g_finished.store(true, std::memory_order_release);
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
