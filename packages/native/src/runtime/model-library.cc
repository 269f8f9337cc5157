#include "model-library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace aotihub {

namespace {

struct LibraryState {
  int open = 0;       // containers holding it (our dlopens minus our dlcloses)
  int unloads = -1;   // -1 not known yet, 0 stays loaded after its last dlclose, 1 unloads
};

std::mutex g_mutex;
std::map<std::string, LibraryState>& States() {
  static auto* states = new std::map<std::string, LibraryState>();  // never destroyed (exit order)
  return *states;
}

// The library's own copy of __gnu_cxx::__freeres, or null where it has none: dlsym on the handle
// also searches the library's dependencies, and libstdc++.so's pool is the whole process's.
using FreeresFn = void (*)();
FreeresFn OwnFreeres(void* lib) {
  void* own = ::dlsym(lib, "AOTInductorModelContainerCreateWithDevice");
  void* freeres = ::dlsym(lib, "_ZN9__gnu_cxx9__freeresEv");
  Dl_info a{}, b{};
  if (own == nullptr || freeres == nullptr || ::dladdr(own, &a) == 0 || ::dladdr(freeres, &b) == 0) return nullptr;
  return a.dli_fbase == b.dli_fbase ? reinterpret_cast<FreeresFn>(freeres) : nullptr;
}

bool FreeresEnabled() {
  // AOTIHUB_FREE_LIBSTDCXX_POOL=0 keeps the leak (bench/gpu/rss compares both).
  static const bool on = [] {
    const char* env = std::getenv("AOTIHUB_FREE_LIBSTDCXX_POOL");
    return env == nullptr || std::strcmp(env, "0") != 0;
  }();
  return on;
}

}  // namespace

void* OpenModelLibrary(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib != nullptr) States()[path].open++;
  return lib;
}

void CloseModelLibrary(const std::string& path, void* lib) {
  if (lib == nullptr) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  LibraryState& state = States()[path];
  const bool last = --state.open <= 0;
  // Only where an earlier last close showed that the library goes: then its initialisers run again
  // at the next load and make a new pool. The first last close only learns (one pool, once).
  if (last && state.unloads == 1 && FreeresEnabled())
    if (FreeresFn freeres = OwnFreeres(lib)) freeres();
  ::dlclose(lib);
  if (last) {
    state.open = 0;
    if (state.unloads < 0) {
      void* still = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
      state.unloads = still == nullptr ? 1 : 0;
      if (still != nullptr) ::dlclose(still);
    }
  }
}

}  // namespace aotihub
