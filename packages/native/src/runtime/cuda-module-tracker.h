// The CUDA modules a model library loads for its kernels, unloaded when its container is deleted.
// AOTInductor models of torch < 2.12 load one module per kernel (cuModuleLoad/cuModuleLoadData, on
// the kernel's first launch) and never unload it: each load/dispose cycle of a CUDA model left its
// modules in the driver (issue 14 goal 6; pytorch/pytorch#184860 added the unload to newer models).
// Where the library imports cuModuleUnload it unloads its own modules and is left alone.
// How: the library's own import slots (GOT) for the two load calls are pointed at wrappers that,
// while a Scope is open on the calling thread, record each module for that container.
#pragma once
#include <mutex>
#include <vector>

namespace aotihub {

class CudaModuleTracker {
 public:
  CudaModuleTracker() = default;
  CudaModuleTracker(const CudaModuleTracker&) = delete;
  CudaModuleTracker& operator=(const CudaModuleTracker&) = delete;

  // Installs the wrappers in `lib` (a dlopen handle) unless it unloads its own modules. Never throws;
  // where the imports cannot be found or patched, nothing is tracked (the old behaviour).
  void Attach(void* lib) noexcept;
  // Unloads what was recorded; the model's kernels must be gone and its device current.
  void UnloadAll() noexcept;
  bool tracking() const { return unload_ != nullptr; }
  size_t recorded() const;

  // Modules loaded on this thread while a Scope is open belong to `tracker`.
  class Scope {
   public:
    explicit Scope(CudaModuleTracker& tracker);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CudaModuleTracker* previous_;
  };

  void Add(void* module) noexcept;

 private:
  int (*unload_)(void*) = nullptr;  // cuModuleUnload, set when tracking
  mutable std::mutex mutex_;
  std::vector<void*> modules_;
};

}  // namespace aotihub
