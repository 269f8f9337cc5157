#pragma once
#include <string>

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

}  // namespace aotihub
