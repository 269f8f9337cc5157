#pragma once
#include <string>
#include <vector>

#include "tensor-backend.h"

namespace aotihub {

struct TorchLoadResult {
  double loadMs = 0;
  bool cuda = false;
  std::string libDir;
  bool joinedPreload = false;  // this call made the preload's libraries global (StartLibtorchPreload)
};

// Loads libtorch from `libDir` once per process (RTLD_GLOBAL, in the order docs/architecture.md 2.3 gives)
// and installs it as the current backend. A second call with the same dir is a no-op; with another
// dir it fails, because two libtorch copies cannot live in one process.
TorchLoadResult LoadLibtorch(const std::string& libDir, bool withCuda);

// Cold start (issue 14): the expensive part of LoadLibtorch, the dlopens of libtorch's libraries,
// started on its own thread as soon as the loader knows which torch it will use, before the
// packages are checked. RTLD_LOCAL: nothing of libtorch is visible to later dlopens until
// LoadLibtorch promotes the very same objects to RTLD_GLOBAL, so a plan that ends on the standalone
// runtime (the addon's own shim) still binds to the addon, not to libtorch. Once per process; a
// failed dlopen is only recorded (LoadLibtorch repeats it and reports it, typed, as before).
// Returns false where a preload or a load already ran.
bool StartLibtorchPreload(const std::string& libDir, bool withCuda);

struct LibtorchPreloadTimes {
  bool ran = false;
  std::string libDir;
  bool cuda = false;
  double from = 0, to = 0;  // steady-clock ms around the preload's dlopens
  double joinWaitMs = 0;    // how long LoadLibtorch waited for it
  std::string error;        // the first dlopen failure, if any
};
// The preload's record (after LoadLibtorch has joined it, complete).
LibtorchPreloadTimes LibtorchPreloadSnapshot();
// Waits for the preload's thread, where one runs (LoadLibtorch does; so does the process's exit).
void JoinLibtorchPreload();

// The backend over a C shim already global in the process, found in `shimLibraries` (dlopen
// handles, asked in order): libtorch's libraries, or the addon itself (the standalone runtime).
// A function of the loaded runtime's C shim (nullptr when it has none). Never dlsym(RTLD_DEFAULT)
// a shim name from inside the addon: it is linked -Bsymbolic and exports its own shim (src/shim),
// which RTLD_DEFAULT would find first even under libtorch.
void* FindShimSymbol(const char* name);

TensorBackend* MakeShimBackend(const std::string& description, const std::string& libDir, bool cuda,
                               const std::vector<void*>& shimLibraries);

}  // namespace aotihub
