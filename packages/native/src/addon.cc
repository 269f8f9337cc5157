// The addon's whole surface: a handful of flat functions, grouped by what they touch.
#include <napi.h>

#include "io/io-bindings.h"
#include "kernels/kernel-bindings.h"
#include "probe/cuda-context-early.h"
#include "probe/probe-bindings.h"
#include "runtime/runtime-bindings.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  aotihub::RegisterIo(env, exports);
  aotihub::RegisterKernels(env, exports);
  aotihub::RegisterProbe(env, exports);
  aotihub::RegisterCudaContextEarly(env, exports);
  aotihub::RegisterRuntime(env, exports);
  return exports;
}

NODE_API_MODULE(aotihub_native, Init)
