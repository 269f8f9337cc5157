#include "cuda-prewarm.h"

#include "../common/join-thread-slot.h"
#include "../probe/cuda-driver.h"
#include "pinned-ring.h"
#include "weight-upload.h"

#include <dlfcn.h>
#include <link.h>

#include <cstring>

#include <chrono>
#include <condition_variable>
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

// The driver's entry points the prewarm calls, or null (the failure recorded): libcuda's own, so
// that the context is made without the runtime library's first call (whose initialisation dlopens
// libcuda: see Run).
const cuda_driver::DriverApi* PrewarmDriver() {
  const cuda_driver::Driver& d = cuda_driver::SharedDriver();
  if (!d.loaded) {
    Fail(d.why);
    return nullptr;
  }
  if (d.api.cuMemHostAlloc == nullptr) {
    Fail("libcuda.so.1 lacks cuMemHostAlloc");
    return nullptr;
  }
  return &d.api;
}

// The driver's start and the device's primary context, current on this thread; false (with the
// failure recorded) where a step fails.
bool MakeContext(const cuda_driver::DriverApi& d, int device) {
  std::string why;
  const auto driverReady = [] {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.driverReady = MonotonicMs();
  };
  if (cuda_driver::StartPrimaryContext(d, device, why, driverReady) != nullptr) return true;
  Fail(why);
  return false;
}

// The weight upload's pinned staging slots, page-locked while libtorch is still loading: on the
// first load of a process they cost ~34 ms of a 1 GiB upload on an H200 (18 vs 45 GB/s;
// docs/benchmarks.md, goal 1). Through the driver, so that it does not wait for libtorch's dlopen
// either; not again where the early driver start pinned them.
void PinStagingSlots(const cuda_driver::DriverApi& d) {
  if (!PinStagingSlotsAhead(d)) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  g_times.stagingPinned = MonotonicMs();
}

void Run(CudaPrewarmSpec spec) {
  // Step 1, everything that takes the dynamic loader's lock: libcuda and the runtime library,
  // opened and their symbols resolved. libtorch's dlopen holds that lock for ~0.3 s (its static
  // initialisers run inside it) and waits for this step only (WaitCudaPrewarmRuntime), a few ms.
  const cuda_driver::DriverApi* driver = PrewarmDriver();
  void* cudart = Open(spec.cudart);
  using SetDevice = int (*)(int);
  using Free = int (*)(void*);
  auto setDevice = cudart ? reinterpret_cast<SetDevice>(::dlsym(cudart, "cudaSetDevice")) : nullptr;
  auto cudaFree = cudart ? reinterpret_cast<Free>(::dlsym(cudart, "cudaFree")) : nullptr;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.cudartLoaded = MonotonicMs();
    g_runtimeDone = true;
  }
  g_changed.notify_all();
  // Step 2, beside libtorch's dlopen: the driver's start (cuInit, ~0.1 s on an H200) and the context
  // (~0.1 s), through the driver API, which needs no loader lock. (The runtime's first call would
  // dlopen libcuda inside its own initialisation and so queue behind libtorch: until this order,
  // libtorch's dlopen waited for cuInit instead.)
  const bool context = driver != nullptr && MakeContext(*driver, spec.device);
  if (context) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.contextReady = MonotonicMs();
  }
  MarkContextDone();
  if (!context) return;
  PinStagingSlots(*driver);
  // Step 3: the runtime's own initialisation on that context (cudaFree(nullptr), the documented
  // way to initialise without side effects), which queues behind libtorch's dlopen when one runs;
  // no later first call pays it.
  if (setDevice == nullptr || cudaFree == nullptr || setDevice(spec.device) != 0 || cudaFree(nullptr) != 0) {
    Fail("the CUDA runtime did not initialise on the prewarmed context (cudaSetDevice/cudaFree)");
    return;
  }
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_times.runtimeInitialized = MonotonicMs();
  }
  // The handles themselves are thrown away: libtorch keeps its own pool; what is paid here is each
  // library's process-wide initialisation on this context. Created and destroyed on this thread.
  using Create = int (*)(void**);
  using Destroy = int (*)(void*);
  auto warm = [&](const std::string& path, const char* create, const char* destroy, double& stamp) {
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
    d(handle);
    std::lock_guard<std::mutex> lock(g_mutex);
    stamp = MonotonicMs();
  };
  warm(spec.cublasLt, "cublasLtCreate", "cublasLtDestroy", g_times.cublasLtReady);
  warm(spec.cublas, "cublasCreate_v2", "cublasDestroy_v2", g_times.cublasReady);
  // The libraries stay loaded (RTLD_GLOBAL, never dlclosed): libtorch binds to these copies.
}

}  // namespace

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
  JoinThreadSlot(g_mutex, g_thread);
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
