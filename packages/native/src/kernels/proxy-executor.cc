#include "proxy-executor.h"

#include "../backend/libtorch-backend.h"

#include <dlfcn.h>

#include <cstring>
#include <stdexcept>

#include "../common/native-error.h"

namespace aotihub {

namespace {

// StableIValue (torch/csrc/stable/stableivalue_conversions.h): every value is 64 bits. Scalars are
// their bytes; a tensor is an owning AtenTensorHandle (the dispatcher steals it); None is 0; an
// optional with a value points at a heap StableIValue that the dispatcher frees; a list is a
// StableListHandle.
using StableIValue = uint64_t;
using Err = int32_t;

struct ShimCalls {
  Err (*callDispatcher)(const char*, const char*, StableIValue*) = nullptr;
  Err (*newHandle)(void*, void**) = nullptr;
  Err (*deleteTensor)(void*) = nullptr;
  Err (*assignTensors)(void*, void*) = nullptr;
  // Newer (torch >= 2.10/2.13); needed only by ops taking optionals or lists.
  Err (*newStableIValue)(StableIValue**) = nullptr;
  Err (*newList)(size_t, void**) = nullptr;
  Err (*listPushBack)(void*, StableIValue) = nullptr;
};

template <typename F>
void Find(F& slot, const char* name) {
  slot = reinterpret_cast<F>(FindShimSymbol(name));  // libtorch's, never the addon's own shim
}

const ShimCalls& Shim() {
  static const ShimCalls calls = [] {
    ShimCalls c;
    Find(c.callDispatcher, "aoti_torch_call_dispatcher");
    Find(c.newHandle, "aoti_torch_new_tensor_handle");
    Find(c.deleteTensor, "aoti_torch_delete_tensor_object");
    Find(c.assignTensors, "aoti_torch_assign_tensors");
    Find(c.newStableIValue, "torch_new_stable_ivalue");
    Find(c.newList, "torch_new_list_reserve_size");
    Find(c.listPushBack, "torch_list_push_back");
    return c;
  }();
  return calls;
}

template <typename T>
StableIValue Bits(T value) {
  static_assert(sizeof(T) <= sizeof(StableIValue));
  StableIValue out = 0;
  std::memcpy(&out, &value, sizeof(T));
  return out;
}

StableIValue Optional(StableIValue value) {
  StableIValue* boxed = nullptr;
  if (Shim().newStableIValue != nullptr) {
    if (Shim().newStableIValue(&boxed) != 0) throw std::runtime_error("torch_new_stable_ivalue failed");
  } else {
    boxed = new StableIValue;  // torch < 2.13 frees it with delete
  }
  *boxed = value;
  return Bits(boxed);
}

// A new reference the dispatcher will own (it steals every tensor on the stack).
StableIValue OwnedTensor(void* borrowed) {
  void* handle = nullptr;
  if (Shim().newHandle(borrowed, &handle) != 0) throw std::runtime_error("aoti_torch_new_tensor_handle failed");
  return Bits(handle);
}

StableIValue List(const std::vector<StableIValue>& items) {
  void* list = nullptr;
  if (Shim().newList(items.size(), &list) != 0) throw std::runtime_error("torch_new_list_reserve_size failed");
  for (StableIValue item : items)
    if (Shim().listPushBack(list, item) != 0) throw std::runtime_error("torch_list_push_back failed");
  return Bits(list);
}

bool NeedsNewerShim(const ExternNode& node) {
  for (const auto& arg : node.args)
    switch (arg.kind) {
      case ArgKind::Tensors:
      case ArgKind::OptionalTensors:
      case ArgKind::Ints:
        return Shim().newList == nullptr || Shim().listPushBack == nullptr;
      default:
        break;
    }
  return false;
}

}  // namespace

DispatcherProxyExecutor::DispatcherProxyExecutor(std::vector<ExternNode> nodes) : nodes_(std::move(nodes)) {
  const ShimCalls& shim = Shim();
  if (!shim.callDispatcher || !shim.newHandle || !shim.deleteTensor || !shim.assignTensors)
    throw NativeError("NATIVE_KERNEL_SHIM",
                      "this libtorch lacks aoti_torch_call_dispatcher (torch >= 2.8 is needed to run custom ops)");
  for (const auto& node : nodes_)
    if (NeedsNewerShim(node))
      throw NativeError("NATIVE_KERNEL_SHIM", node.opName +
                                                  " takes a list argument, which needs torch_new_list_reserve_size "
                                                  "(torch >= 2.10) in the C shim");
}

void DispatcherProxyExecutor::call_function(int extern_node_index, int num_ints, int64_t* flatten_int_args,
                                            int num_tensors, void** flatten_tensor_args) {
  try {
    if (extern_node_index < 0 || static_cast<size_t>(extern_node_index) >= nodes_.size())
      throw std::runtime_error("the model called extern node " + std::to_string(extern_node_index) + " of " +
                               std::to_string(nodes_.size()));
    Call(nodes_[extern_node_index], num_ints, flatten_int_args, num_tensors, flatten_tensor_args);
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(errorMutex_);
    lastError_ = e.what();
    throw;  // the shim turns it into an error code; the model's Run then fails
  }
}

void DispatcherProxyExecutor::Call(const ExternNode& node, int numInts, const int64_t* ints, int numTensors,
                                   void** tensors) {
  int nextInt = 0;
  int nextTensor = 0;
  auto takeInt = [&]() -> int64_t {
    if (nextInt >= numInts) throw std::runtime_error(node.opName + ": the model passed fewer ints than its call needs");
    return ints[nextInt++];
  };
  auto takeTensor = [&]() -> void* {
    if (nextTensor >= numTensors)
      throw std::runtime_error(node.opName + ": the model passed fewer tensors than its call needs");
    return tensors[nextTensor++];
  };
  std::vector<StableIValue> stack(std::max(node.args.size(), node.returns.size()), 0);
  for (size_t i = 0; i < node.args.size(); i++) {
    const ExternArg& arg = node.args[i];
    switch (arg.kind) {
      case ArgKind::Tensor:
        stack[i] = OwnedTensor(takeTensor());
        break;
      case ArgKind::OptionalTensor:
        stack[i] = Optional(OwnedTensor(takeTensor()));
        break;
      case ArgKind::Tensors: {
        std::vector<StableIValue> items;
        for (int j = 0; j < arg.count; j++) items.push_back(OwnedTensor(takeTensor()));
        stack[i] = List(items);
        break;
      }
      case ArgKind::OptionalTensors: {
        std::vector<StableIValue> items;
        for (bool present : arg.present) items.push_back(present ? Optional(OwnedTensor(takeTensor())) : 0);
        stack[i] = List(items);
        break;
      }
      case ArgKind::Int:
        stack[i] = Bits(takeInt());
        break;
      case ArgKind::OptionalInt:
        stack[i] = Optional(Bits(takeInt()));
        break;
      case ArgKind::Ints: {
        std::vector<StableIValue> items;
        for (int j = 0; j < arg.count; j++) items.push_back(Bits(takeInt()));
        stack[i] = List(items);
        break;
      }
      case ArgKind::Float:
        stack[i] = Bits(arg.number);
        break;
      case ArgKind::OptionalFloat:
        stack[i] = Optional(Bits(arg.number));
        break;
      case ArgKind::Bool:
        stack[i] = Bits(arg.number != 0);
        break;
      case ArgKind::OptionalBool:
        stack[i] = Optional(Bits(arg.number != 0));
        break;
      case ArgKind::None:
        stack[i] = 0;
        break;
    }
  }
  // What is left are the output handles the generated code allocated for us to fill.
  const int outputs = numTensors - nextTensor;
  int tensorReturns = 0;
  for (ReturnKind r : node.returns) tensorReturns += r == ReturnKind::Tensor ? 1 : 0;
  if (outputs != tensorReturns || nextInt != numInts)
    throw std::runtime_error(node.opName + ": the model passed " + std::to_string(numInts) + " ints and " +
                             std::to_string(numTensors) + " tensors, which does not fit its extern node");
  if (Shim().callDispatcher(node.opName.c_str(), node.overload.c_str(), stack.data()) != 0)
    throw std::runtime_error(node.opName + " failed (its message is on stderr)");
  for (size_t i = 0; i < node.returns.size(); i++) {
    if (node.returns[i] != ReturnKind::Tensor) continue;
    void* result = reinterpret_cast<void*>(stack[i]);
    const Err rc = Shim().assignTensors(result, tensors[nextTensor++]);
    Shim().deleteTensor(result);
    if (rc != 0) throw std::runtime_error(node.opName + ": could not hand its output to the model");
  }
}

std::string DispatcherProxyExecutor::TakeLastError() {
  std::lock_guard<std::mutex> lock(errorMutex_);
  std::string out;
  out.swap(lastError_);
  return out;
}

}  // namespace aotihub
