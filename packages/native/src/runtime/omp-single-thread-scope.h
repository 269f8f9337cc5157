// Makes OpenMP parallel regions opened on this thread, for the scope's length, run on this thread
// alone. Used around synchronous CPU runs on the JS thread: a second calling thread with a team of
// its own would make libgomp throttle every team's spin-wait (run-thread.h), which measured 1.5-2x
// slower for the tiny DiT (docs/benchmarks.md). Restores the thread's previous setting on exit, so
// other OpenMP users on the JS thread see no change. Does nothing where no OpenMP runtime is global.
#pragma once
#include <dlfcn.h>

namespace aotihub {

class OmpSingleThreadScope {
 public:
  explicit OmpSingleThreadScope(bool active) {
    const Api& api = Get();
    if (!active || api.setNumThreads == nullptr || api.getMaxThreads == nullptr) return;
    // ATen sets a thread's team size the first time that thread enters its parallel code; doing
    // that here, first, keeps it from overriding the single thread set below in the middle of a run.
    thread_local bool atenInitialized = false;
    if (!atenInitialized && api.atenGetNumThreads != nullptr) api.atenGetNumThreads();
    atenInitialized = true;
    previous_ = api.getMaxThreads();
    api.setNumThreads(1);
  }
  ~OmpSingleThreadScope() {
    if (previous_ > 0) Get().setNumThreads(previous_);
  }
  OmpSingleThreadScope(const OmpSingleThreadScope&) = delete;
  OmpSingleThreadScope& operator=(const OmpSingleThreadScope&) = delete;

 private:
  struct Api {
    void (*setNumThreads)(int) = nullptr;
    int (*getMaxThreads)() = nullptr;
    int (*atenGetNumThreads)() = nullptr;  // at::get_num_threads(), libtorch_cpu
  };
  // Looked up once libtorch is loaded (a synchronous run needs an open container, so it is).
  static const Api& Get() {
    static const Api api = [] {
      Api a;
      a.setNumThreads = reinterpret_cast<void (*)(int)>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
      a.getMaxThreads = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
      a.atenGetNumThreads = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "_ZN2at15get_num_threadsEv"));
      return a;
    }();
    return api;
  }
  int previous_ = 0;
};

}  // namespace aotihub
