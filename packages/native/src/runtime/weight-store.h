// One weight set for every variant of a model: mapped once, turned into tensors once (zero-copy on
// CPU, uploaded once on CUDA), and kept alive as long as any container still binds it.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../backend/tensor-backend.h"
#include "../io/mapping.h"

namespace aotihub {

struct TensorSpec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t byteOffset;  // absolute, in the file
  uint64_t byteLength;
};

struct WeightFileSpec {
  std::string path;
  std::vector<TensorSpec> tensors;
};

struct StoredTensor {
  DType dtype;
  std::vector<int64_t> shape;
  size_t bytes = 0;
  AtenTensorHandle handle = nullptr;
  bool zeroCopy = false;
};

class WeightStore {
 public:
  static std::shared_ptr<WeightStore> Build(const std::vector<WeightFileSpec>& files, DeviceRef device);
  ~WeightStore();
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  const StoredTensor* Find(const std::string& name) const;
  const std::unordered_map<std::string, StoredTensor>& tensors() const { return tensors_; }
  DeviceRef device() const { return device_; }
  double totalBytes() const { return totalBytes_; }
  double uploadMs() const { return uploadMs_; }
  // Steady-clock ms (see cuda-prewarm.h) when Build began and ended, and how long it waited there
  // for the CUDA context a prewarm thread was creating.
  double builtFrom() const { return builtFrom_; }
  double builtAt() const { return builtAt_; }
  double contextWaitMs() const { return contextWaitMs_; }
  size_t zeroCopyCount() const;
  // CUDA: how the bytes went up ("registered": page-locked file pages; "staged": pinned buffers).
  const char* uploadPath() const { return uploadPath_; }

 private:
  WeightStore() = default;
  void BuildOnHost(const std::vector<WeightFileSpec>& files);
  void BuildOnDevice(const std::vector<WeightFileSpec>& files);
  void Add(const std::string& name, StoredTensor stored);
  DeviceRef device_;
  std::vector<std::shared_ptr<Mapping>> mappings_;  // CPU tensors point into these
  std::vector<void*> ownedCopies_;                  // misaligned CPU tensors, copied once
  AtenTensorHandle blob_ = nullptr;                 // CUDA: one allocation; the tensors are views
  const char* uploadPath_ = "none";
  std::unordered_map<std::string, StoredTensor> tensors_;
  double totalBytes_ = 0;
  double uploadMs_ = 0;
  double builtFrom_ = 0, builtAt_ = 0, contextWaitMs_ = 0;
};

}  // namespace aotihub
