// One compiled variant: its `.so` (dlopen RTLD_LOCAL), one container, and the shared weight store
// bound into it. Runs are serialized per container (the container is created with one model).
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../kernels/proxy-executor.h"
#include "container-abi.h"
#include "weight-store.h"

namespace aotihub {

struct ConstantInfo {
  std::string name;
  std::string fqn;
  int32_t dtypeCode = 0;
  size_t dataSize = 0;
  bool folded = false;
};

// An input as the worker sees it: host bytes (kept alive by the JS call) or a device tensor.
struct RunInput {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  AtenTensorHandle deviceTensor = nullptr;  // borrowed; aliased before Run steals it
};

struct RunOutput {
  int dtype = -1;
  std::vector<int64_t> shape;
  std::unique_ptr<uint8_t[]> host;
  size_t bytes = 0;
  AtenTensorHandle deviceTensor = nullptr;  // owned when kept on the device
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

  std::vector<RunOutput> Run(const std::vector<RunInput>& inputs, bool keepOnDevice);
  const std::vector<std::string>& inputNames() const { return inputNames_; }
  const std::vector<std::string>& outputNames() const { return outputNames_; }
  const std::vector<ConstantInfo>& constants() const { return constants_; }
  // fqn -> data pointer of the tensor the container holds for it (the debug accessor of tests).
  std::vector<std::pair<std::string, uintptr_t>> BoundPointers();

 private:
  ModelContainer() = default;
  void ReadSignature();
  void BindWeights();
  const StoredTensor* Lookup(const std::string& key) const;

  void* lib_ = nullptr;
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
  std::mutex runMutex_;
};

}  // namespace aotihub
