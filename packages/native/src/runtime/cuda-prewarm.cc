#include "cuda-prewarm.h"

#include "../common/join-thread-slot.h"
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
