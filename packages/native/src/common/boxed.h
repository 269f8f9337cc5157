// Holds a shared_ptr<T> inside a JS external, so a native object lives as long as either JS or a
// running worker still needs it; the GC finalizer only drops JS's share.
#pragma once
#include <napi.h>

#include <memory>

#include "native-error.h"

namespace aotihub {

template <typename T>
Napi::External<std::shared_ptr<T>> Box(Napi::Env env, std::shared_ptr<T> value) {
  return Napi::External<std::shared_ptr<T>>::New(
      env, new std::shared_ptr<T>(std::move(value)), [](Napi::Env, std::shared_ptr<T>* p) { delete p; });
}

template <typename T>
std::shared_ptr<T> Unbox(const Napi::Value& value, const char* what) {
  if (!value.IsExternal()) throw NativeError("NATIVE_BAD_HANDLE", std::string("expected a handle for ") + what);
  auto* holder = value.As<Napi::External<std::shared_ptr<T>>>().Data();
  if (holder == nullptr || !*holder) throw NativeError("NATIVE_DISPOSED", std::string(what) + " was disposed");
  return *holder;
}

// Drops JS's share now instead of at GC: the deterministic half of dispose().
template <typename T>
void ResetBox(const Napi::Value& value) {
  if (!value.IsExternal()) return;
  auto* holder = value.As<Napi::External<std::shared_ptr<T>>>().Data();
  if (holder != nullptr) holder->reset();
}

}  // namespace aotihub
