// One AsyncWorker shape for every native job: `work` runs on the libuv pool and never touches JS;
// `done` runs on the JS thread and alone builds JS values. C++ exceptions become a rejected promise
// whose error carries the native code (sharp's pattern).
#pragma once
#include <napi.h>

#include <functional>
#include <string>

#include "native-error.h"

namespace aotihub {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Done = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise Start(Napi::Env env, Work work, Done done, Napi::Value keepAlive = Napi::Value()) {
    auto* worker = new PromiseWorker(env, std::move(work), std::move(done));
    // Inputs the worker reads (e.g. tensor data) stay alive until it finishes (sharp keeps them on the worker).
    if (!keepAlive.IsEmpty() && !keepAlive.IsUndefined()) worker->keep_ = Napi::Persistent(keepAlive);
    auto promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const NativeError& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "NATIVE_FAILURE";
      SetError(e.what());
    } catch (...) {
      code_ = "NATIVE_FAILURE";
      SetError("unknown native exception");
    }
  }

  void OnOK() override {
    try {
      deferred_.Resolve(done_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      auto error = Napi::Error::New(Env(), e.what());
      error.Set("nativeCode", Napi::String::New(Env(), "NATIVE_FAILURE"));
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& e) override {
    auto error = Napi::Error::New(Env(), e.Message());
    error.Set("nativeCode", Napi::String::New(Env(), code_));
    deferred_.Reject(error.Value());
  }

 private:
  PromiseWorker(Napi::Env env, Work work, Done done)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        done_(std::move(done)) {}

  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Value> keep_;
  Work work_;
  Done done_;
  std::string code_;
};

// Synchronous calls throw the same shape of error as rejected promises.
inline Napi::Error ToJsError(Napi::Env env, const std::string& code, const std::string& message) {
  auto error = Napi::Error::New(env, message);
  error.Set("nativeCode", Napi::String::New(env, code));
  return error;
}

}  // namespace aotihub
