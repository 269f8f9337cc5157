#pragma once
#include <string>

namespace aotihub {

struct StandaloneLoadResult {
  double loadMs = 0;
  bool cuda = false;
  std::string cudaRuntime;  // the libcudart loaded, for CUDA
};

// Makes the addon's own aoti_torch_* and Sleef_* functions (src/shim) global, so a model compiled
// without libtorch resolves them, loads libcudart for CUDA, and installs the shim-backed backend.
// Never loads libtorch; refused (NATIVE_RUNTIME_CONFLICT) in a process that already did.
StandaloneLoadResult LoadStandalone(bool withCuda, const std::string& cudaRuntimeLibrary);

// The addon file itself (what the standalone runtime exports is read from it).
std::string AddonPath();

}  // namespace aotihub
