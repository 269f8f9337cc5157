// The model `.so` C ABI (torch/csrc/inductor/aoti_runtime/interface.h), declared by hand. Every
// call returns 0 on success; the model prints its exception text to stderr on failure.
#pragma once
#include <cstddef>
#include <cstdint>

namespace aotihub {

using ContainerHandle = void*;
using Rc = int32_t;

struct ConstantMapEntry {
  const char* name;
  void* handle;
};

struct ContainerAbi {
  Rc (*create)(ContainerHandle*, size_t, const char*, const char*);
  Rc (*destroy)(ContainerHandle);
  Rc (*run)(ContainerHandle, void**, size_t, void**, size_t, void*, void*);
  // Optional (newer torch): the same run without the container's own model pool, i.e. no event
  // created, recorded and queried per call, no pool locks. Safe because runs are serialized per
  // container (model-container.h) and the container holds one model.
  Rc (*runSingleThreaded)(ContainerHandle, void**, size_t, void**, size_t, void*, void*);
  Rc (*numInputs)(ContainerHandle, size_t*);
  Rc (*inputName)(ContainerHandle, size_t, const char**);
  Rc (*numOutputs)(ContainerHandle, size_t*);
  Rc (*outputName)(ContainerHandle, size_t, const char**);
  Rc (*numConstants)(ContainerHandle, size_t*);
  Rc (*constantName)(ContainerHandle, size_t, const char**);
  Rc (*constantFqn)(ContainerHandle, size_t, const char**);
  Rc (*constantFromFolded)(ContainerHandle, size_t, bool*);
  Rc (*constantDtype)(ContainerHandle, size_t, int32_t*);
  Rc (*constantDataSize)(ContainerHandle, size_t, size_t*);
  Rc (*updateUserManagedPairs)(ContainerHandle, const ConstantMapEntry*, size_t, bool, bool);
  // Optional (newer torch): lets a test read back what the container actually holds.
  Rc (*extractEntries)(ContainerHandle, const ConstantMapEntry**, size_t*, bool);
};

}  // namespace aotihub
