#include "standalone-backend.h"

#include <dlfcn.h>

#include <chrono>
#include <mutex>

#include "../common/native-error.h"
#include "../shim/shim-cuda.h"
#include "amx-permission.h"
#include "libtorch-backend.h"
#include "runtime-kind.h"

namespace aotihub {

namespace {
std::mutex g_mutex;
bool g_loaded = false;
bool g_cuda = false;
bool g_backendCuda = false;
std::string g_cudaRuntime;
}  // namespace

std::string AddonPath() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&AddonPath), &info) == 0 || info.dli_fname == nullptr)
    throw NativeError("NATIVE_FAILURE", "cannot tell where the addon was loaded from");
  return info.dli_fname;
}

StandaloneLoadResult LoadStandalone(bool withCuda, const std::string& cudaRuntimeLibrary) {
  std::lock_guard<std::mutex> lock(g_mutex);
  CheckRuntimeFree(RuntimeKind::Standalone);
  const auto start = std::chrono::steady_clock::now();
  StandaloneLoadResult result;
  static void* self = nullptr;
  if (!g_loaded) {
    // Node opened the addon RTLD_LOCAL; reopening it RTLD_NOLOAD|RTLD_GLOBAL promotes its exported
    // (default-visibility) symbols, the shim's, to the global scope models resolve against.
    self = ::dlopen(AddonPath().c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    if (self == nullptr) {
      const char* why = ::dlerror();
      throw NativeError("NATIVE_FAILURE", "cannot make the shim global: " + std::string(why ? why : "dlopen failed"));
    }
    RequestAmxPermission();
  }
  if (withCuda && !g_cuda) {
    g_cudaRuntime = shim::LoadCudaRuntime(cudaRuntimeLibrary);
    g_cuda = true;
  }
  if (!g_loaded || (withCuda && !g_backendCuda)) {
    SetBackend(MakeShimBackend("aotihub standalone shim", "", g_cuda, {self}));  // process lifetime
    g_backendCuda = g_cuda;
  }
  g_loaded = true;
  MarkRuntimeLoaded(RuntimeKind::Standalone);
  result.cuda = g_cuda;
  result.cudaRuntime = g_cudaRuntime;
  result.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace aotihub
