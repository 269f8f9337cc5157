// torch's AOTI containers from torch 2.8 until pytorch/pytorch#194480 leak one tensor handle per
// user-managed constant: `MaybeOwningAtenTensorHandle(handle, /*user_managed=*/true)` makes a new
// handle (aoti_torch_new_tensor_handle) that nothing owns, so AOTInductorModelContainerDelete leaves
// it, and through it our TensorImpl and StorageImpl (~300 bytes per constant per container; seen
// with test/support/malloc-trace.c, and the same with torch's own runner: bench/gpu/rss/anchor_cycles.py).
// Those models name the class in their exported symbols (the fix deleted it), so the runtime knows
// which containers leak, reads back the handles the container holds, and deletes them after Delete.
#pragma once
#include <vector>

#include "../backend/tensor-backend.h"
#include "container-abi.h"

namespace aotihub {

// True when the model library's dynamic string table names MaybeOwningAtenTensorHandle.
bool LeaksUserManagedConstantHandles(void* lib);

// The handles the container holds for its (non-folded) constants that are not among `ours`: the
// ones it made itself. Empty where the library offers no way to read them.
std::vector<AtenTensorHandle> ContainerConstantAliases(void* lib, const ContainerAbi& abi, ContainerHandle handle,
                                                       const std::vector<AtenTensorHandle>& ours);

}  // namespace aotihub
