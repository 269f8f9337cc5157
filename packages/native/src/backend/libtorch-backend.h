#pragma once
#include <string>
#include <vector>

#include "tensor-backend.h"

namespace aotihub {

struct TorchLoadResult {
  double loadMs = 0;
  bool cuda = false;
  std::string libDir;
};

// Loads libtorch from `libDir` once per process (RTLD_GLOBAL, in the order docs/architecture.md 2.3 gives)
// and installs it as the current backend. A second call with the same dir is a no-op; with another
// dir it fails, because two libtorch copies cannot live in one process.
TorchLoadResult LoadLibtorch(const std::string& libDir, bool withCuda);

// The backend over a C shim already global in the process, found in `shimLibraries` (dlopen
// handles, asked in order): libtorch's libraries, or the addon itself (the standalone runtime).
// A function of the loaded runtime's C shim (nullptr when it has none). Never dlsym(RTLD_DEFAULT)
// a shim name from inside the addon: it is linked -Bsymbolic and exports its own shim (src/shim),
// which RTLD_DEFAULT would find first even under libtorch.
void* FindShimSymbol(const char* name);

TensorBackend* MakeShimBackend(const std::string& description, const std::string& libDir, bool cuda,
                               const std::vector<void*>& shimLibraries);

}  // namespace aotihub
