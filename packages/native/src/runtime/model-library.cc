#include "model-library.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

namespace aotihub {

namespace {

// A few models' libraries: enough for load/dispose cycles of the models a process switches between,
// little next to their weights (the tiny MLP's library is 2 MiB, a FLUX-size one tens of MiB).
constexpr size_t kRetainedLibraries = 8;
constexpr long long kRetainedBytes = 512ll << 20;

struct LibraryState {
  int open = 0;      // handles given out and not given back
  int unloads = -1;  // -1 not known yet, 0 stays loaded after its last dlclose, 1 unloads
};

struct Retained {
  std::string path;
  void* lib;
  long long bytes;
};

struct Libraries {
  std::mutex mutex;
  std::map<std::string, LibraryState> states;
  std::deque<Retained> retained;  // oldest first
  long long retainedBytes = 0;
};

Libraries& TheLibraries() {
  static auto* libraries = new Libraries();  // never destroyed (exit order)
  return *libraries;
}

bool EnvOff(const char* name) {
  const char* env = std::getenv(name);
  return env != nullptr && std::strcmp(env, "0") == 0;
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

// The last handle of a library goes for good. Only where an earlier last close showed that the
// library unloads does it get its pool freed (its initialisers run again at the next load and make
// a new one); the first last close only learns.
void Release(Libraries& libs, const std::string& path, void* lib) {
  LibraryState& state = libs.states[path];
  static const bool freeres = !EnvOff("AOTIHUB_FREE_LIBSTDCXX_POOL");
  if (state.unloads == 1 && freeres)
    if (FreeresFn fn = OwnFreeres(lib)) fn();
  ::dlclose(lib);
  if (state.unloads < 0) {
    void* still = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    state.unloads = still == nullptr ? 1 : 0;
    if (still != nullptr) ::dlclose(still);
  }
}

long long FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : kRetainedBytes;
}

}  // namespace

void* OpenModelLibrary(const std::string& path) {
  Libraries& libs = TheLibraries();
  std::lock_guard<std::mutex> lock(libs.mutex);
  for (auto it = libs.retained.begin(); it != libs.retained.end(); ++it) {
    if (it->path != path) continue;
    void* lib = it->lib;  // our reference becomes the caller's
    libs.retainedBytes -= it->bytes;
    libs.retained.erase(it);
    libs.states[path].open++;
    return lib;
  }
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib != nullptr) libs.states[path].open++;
  return lib;
}

void CloseModelLibrary(const std::string& path, void* lib) {
  if (lib == nullptr) return;
  Libraries& libs = TheLibraries();
  std::lock_guard<std::mutex> lock(libs.mutex);
  LibraryState& state = libs.states[path];
  if (--state.open > 0) {
    ::dlclose(lib);  // another container holds the library: one reference less
    return;
  }
  state.open = 0;
  static const bool retain = !EnvOff("AOTIHUB_RETAIN_MODEL_LIBRARIES");
  const long long bytes = FileBytes(path);
  if (!retain || bytes > kRetainedBytes) {
    Release(libs, path, lib);
    return;
  }
  libs.retained.push_back({path, lib, bytes});
  libs.retainedBytes += bytes;
  while (libs.retained.size() > kRetainedLibraries || libs.retainedBytes > kRetainedBytes) {
    Retained oldest = libs.retained.front();
    libs.retained.pop_front();
    libs.retainedBytes -= oldest.bytes;
    Release(libs, oldest.path, oldest.lib);
  }
}

}  // namespace aotihub
