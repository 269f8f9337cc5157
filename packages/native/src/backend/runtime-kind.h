// One runtime per process: libtorch, or aotihub's own shim (standalone). Both define the aoti_torch_*
// functions globally, and a model resolves each name once, so they can never be mixed.
#pragma once

namespace aotihub {

enum class RuntimeKind { None, Libtorch, Standalone };

const char* RuntimeName(RuntimeKind kind);
RuntimeKind LoadedRuntime();
// Throws NativeError NATIVE_RUNTIME_CONFLICT when the other runtime is already loaded.
void CheckRuntimeFree(RuntimeKind wanted);
void MarkRuntimeLoaded(RuntimeKind kind);

}  // namespace aotihub
