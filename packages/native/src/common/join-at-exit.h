// Waits, when the JS process exits, for a native thread that may still be inside a library's
// initialisation or a driver call: exit then destroys what that thread is using (libtorch's static
// registries, the CUDA driver's state). Registered with `process.once("exit")`, which runs before
// the C runtime's exit handlers; `join` must be safe to call when the thread is already done.
#pragma once
#include <napi.h>

namespace aotihub {

inline void JoinAtProcessExit(Napi::Env env, void (*join)()) {
  auto process = env.Global().Get("process").As<Napi::Object>();
  process.Get("once").As<Napi::Function>().Call(
      process, {Napi::String::New(env, "exit"),
                Napi::Function::New(env, [join](const Napi::CallbackInfo& info) -> Napi::Value {
                  join();
                  return info.Env().Undefined();
                })});
}

}  // namespace aotihub
