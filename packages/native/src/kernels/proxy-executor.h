// The proxy executor a compiled model calls for ops it has no C shim for (custom ops such as
// kernels-community kernels). libtorch's own (OSSProxyExecutor) is not exported by the pip wheels,
// and the addon is never built against torch headers, so this one mirrors the one-class ABI the
// model's `aoti_torch_proxy_executor_call_function` calls through (torch/csrc/inductor/aoti_torch/
// proxy_executor.h: a virtual destructor, then `call_function`), and calls each op by name through
// the C shim's `aoti_torch_call_dispatcher`. See docs/architecture-custom-ops.md.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "extern-node.h"

namespace aotihub {

// Laid out like torch::aot_inductor::ProxyExecutor (Itanium C++ ABI, one vtable pointer): slot 0/1
// the destructors, slot 2 call_function, slot 3 get_custom_objs (only libtorch's package loader
// calls it, on its own executor; a model never does).
class ProxyExecutorAbi {
 public:
  virtual ~ProxyExecutorAbi() = default;
  virtual void call_function(int extern_node_index, int num_ints, int64_t* flatten_int_args, int num_tensors,
                             void** flatten_tensor_args) = 0;
  virtual void get_custom_objs_unused() {}
};

class DispatcherProxyExecutor final : public ProxyExecutorAbi {
 public:
  // Resolves the C shim entry points it needs; throws NativeError when this torch lacks them.
  explicit DispatcherProxyExecutor(std::vector<ExternNode> nodes);
  void call_function(int extern_node_index, int num_ints, int64_t* flatten_int_args, int num_tensors,
                     void** flatten_tensor_args) override;
  // The message of the last failed call (the model only learns that it failed).
  std::string TakeLastError();

 private:
  void Call(const ExternNode& node, int numInts, const int64_t* ints, int numTensors, void** tensors);
  std::vector<ExternNode> nodes_;
  std::mutex errorMutex_;
  std::string lastError_;
};

}  // namespace aotihub
