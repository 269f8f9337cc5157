#include "runtime-kind.h"

#include <atomic>
#include <string>

#include "../common/native-error.h"

namespace aotihub {

namespace {
std::atomic<RuntimeKind> g_loaded{RuntimeKind::None};
}

const char* RuntimeName(RuntimeKind kind) {
  switch (kind) {
    case RuntimeKind::Libtorch:
      return "libtorch";
    case RuntimeKind::Standalone:
      return "standalone";
    default:
      return "none";
  }
}

RuntimeKind LoadedRuntime() { return g_loaded.load(); }

void CheckRuntimeFree(RuntimeKind wanted) {
  const RuntimeKind loaded = g_loaded.load();
  if (loaded != RuntimeKind::None && loaded != wanted)
    throw NativeError("NATIVE_RUNTIME_CONFLICT", std::string("this process already runs models on the ") +
                                                     RuntimeName(loaded) + " runtime; it cannot load the " +
                                                     RuntimeName(wanted) + " one too");
}

void MarkRuntimeLoaded(RuntimeKind kind) { g_loaded.store(kind); }

}  // namespace aotihub
