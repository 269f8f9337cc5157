// One compiled variant: its `.so` (dlopen RTLD_LOCAL), one container, and the shared weight store
// bound into it. Runs are serialized per container (the container is created with one model).
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../kernels/proxy-executor.h"
#include "container-abi.h"
#include "device-tensor.h"
#include "host-buffer-pool.h"
#include "inline-run-policy.h"
#include "run-trace.h"
#include "cuda-module-tracker.h"
#include "weight-store.h"

namespace aotihub {

struct ConstantInfo {
  std::string name;
  std::string fqn;
  int32_t dtypeCode = 0;
  size_t dataSize = 0;
  bool folded = false;
};

// An input as a run reads it. Host bytes are our own copy, made on the JS thread before the run is
// queued, so nothing the caller does to its ArrayBuffer afterwards (detach, resize, unmap) can reach
// memory the run reads. Shape and dtype are native values read at that moment too.
struct RunInput {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::shared_ptr<uint8_t> host;  // 64-byte aligned (page-locked on CUDA), `bytes` long
  size_t bytes = 0;
  std::shared_ptr<DeviceTensor> device;  // checked against the container's GPU when captured
};

struct RunOutput {
  int dtype = -1;
  std::vector<int64_t> shape;
  std::shared_ptr<uint8_t> host;  // copied once, from the model's output into a buffer JS will own
  size_t bytes = 0;
  std::shared_ptr<DeviceTensor> device;  // when kept on the device
};

class ModelContainer {
 public:
  static std::shared_ptr<ModelContainer> Open(const std::string& soPath, const std::string& cubinDir,
                                              DeviceRef device, std::shared_ptr<WeightStore> store,
                                              std::shared_ptr<WeightStore> overrides,
                                              std::shared_ptr<DispatcherProxyExecutor> executor = nullptr);
  ~ModelContainer();
  ModelContainer(const ModelContainer&) = delete;
  ModelContainer& operator=(const ModelContainer&) = delete;

  // `stamps` (optional) gets the launched/synced marks of the benchmark trace (run-trace.h).
  std::vector<RunOutput> Run(const std::vector<RunInput>& inputs, bool keepOnDevice, RunStamps* stamps = nullptr);
  DeviceRef device() const { return device_; }
  // Where captured host inputs go: page-locked buffers on CUDA, aligned ones on the CPU.
  HostBufferPool& inputPool() { return *inputPool_; }
  const std::vector<std::string>& inputNames() const { return inputNames_; }
  const std::vector<std::string>& outputNames() const { return outputNames_; }
  const std::vector<ConstantInfo>& constants() const { return constants_; }
  // What this variant's recent runs took, for run()'s choice of thread (JS thread only).
  InlineRunPolicy& inlinePolicy() { return inlinePolicy_; }
  // fqn -> data pointer of the tensor the container holds for it (the debug accessor of tests).
  std::vector<std::pair<std::string, uintptr_t>> BoundPointers();

 private:
  ModelContainer() = default;
  void ReadSignature();
  void BindWeights();
  const StoredTensor* Lookup(const std::string& key) const;
  // The one call of the model's run entry point (kept in one place: a proxy executor plugs in here).
  void CallRun(std::vector<AtenTensorHandle>& in, std::vector<AtenTensorHandle>& out, void* stream);
  // Turns a non-zero return of the model's C ABI into an error with the model's own message.
  void Check(Rc rc, const char* call) const;
  std::vector<RunOutput> RunOnStream(const std::vector<RunInput>& inputs, bool keepOnDevice, RunStamps* stamps);
  std::vector<RunOutput> CollectOutputs(std::vector<AtenTensorHandle>& out, bool keepOnDevice);

  std::string soPath_;
  void* lib_ = nullptr;  // model-library.h opens and closes it
  ContainerAbi abi_{};
  ContainerHandle handle_ = nullptr;
  DeviceRef device_;
  std::shared_ptr<WeightStore> store_;
  std::shared_ptr<WeightStore> overrides_;  // this variant's own constants (may be null)
  // Runs the model's custom ops (null for models without any); passed to every Run.
  std::shared_ptr<DispatcherProxyExecutor> executor_;
  std::vector<std::string> inputNames_;
  std::vector<std::string> outputNames_;
  std::vector<ConstantInfo> constants_;
  std::vector<std::pair<std::string, AtenTensorHandle>> bound_;  // constant name -> our handle
  // Handles the container made for our constants and never frees (constant-aliases.h): deleted
  // after the container.
  std::vector<AtenTensorHandle> orphanedAliases_;
  Rc (*lastError_)(const char**) = nullptr;  // AOTInductorGetLastError (torch >= 2.13)
  void* stream_ = nullptr;                    // CUDA: this container's non-blocking stream
  std::shared_ptr<HostBufferPool> inputPool_;
  std::shared_ptr<HostBufferPool> outputPool_;
  // The CUDA modules the model loads for its kernels (torch < 2.12 models never unload them).
  CudaModuleTracker modules_;
  std::mutex runMutex_;
  InlineRunPolicy inlinePolicy_;
};

}  // namespace aotihub
