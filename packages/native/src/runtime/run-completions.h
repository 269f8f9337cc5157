// Hands finished work from a native thread back to one JS environment (a thread-safe function made
// once per environment, not one libuv work item per call). While anything is in flight the event
// loop is kept alive, as a pending AsyncWorker would keep it; when idle it is not.
#pragma once
#include <napi.h>

#include "event-loop-spin.h"

namespace aotihub {

// What a native thread hands back: settled (and deleted) on the JS thread.
struct Completion {
  virtual ~Completion() = default;
  virtual void Settle(Napi::Env env) = 0;
  // Kept the event loop polling while in flight (event-loop-spin.h); released once settled.
  bool spinsLoop = false;
};

class RunCompletions {
 public:
  // On the JS thread, once per environment (the addon's Init).
  // Deletes itself when the environment finalizes its thread-safe function.
  static RunCompletions* Create(Napi::Env env) { return new RunCompletions(env); }
  RunCompletions(const RunCompletions&) = delete;
  RunCompletions& operator=(const RunCompletions&) = delete;

  // JS thread, before the work is posted. `spinLoop`: keep the event loop polling until `done` settles.
  void Begin(Napi::Env env, Completion* done, bool spinLoop = false) {
    if (inFlight_++ == 0) tsfn_.Ref(env);
    done->spinsLoop = spinLoop;
    if (spinLoop) spin_.Acquire();
  }

  // Runs in flight that keep the loop polling (the binding's runLoopSpins(), for tests). JS thread.
  size_t spinningRuns() const { return spin_.holders(); }

  // CPU runs posted and not yet settled (their Settle counts them down). JS thread only.
  size_t& queuedCpuRuns() { return queuedCpuRuns_; }

  // Any thread. False when the environment is shutting down: the caller still owns `done`.
  bool Deliver(Completion* done) { return tsfn_.NonBlockingCall(done) == napi_ok; }

 private:
  explicit RunCompletions(Napi::Env env) : spin_(env) {
    tsfn_ = Tsfn::New(env, "aotihub.run", 0, 1, this,
                      [](Napi::Env, void*, RunCompletions* self) { delete self; });
    tsfn_.Unref(env);
  }

  static void CallJs(Napi::Env env, Napi::Function, RunCompletions* self, Completion* done) {
    if (env == nullptr) {  // the environment is being torn down: nothing left to settle
      delete done;
      return;
    }
    try {
      done->Settle(env);
    } catch (...) {
      // Settle rejects its own promise on failure; nothing may escape into the event loop.
    }
    if (done->spinsLoop) self->spin_.Release();
    delete done;
    if (--self->inFlight_ == 0) self->tsfn_.Unref(env);
  }

  using Tsfn = Napi::TypedThreadSafeFunction<RunCompletions, Completion, CallJs>;
  Tsfn tsfn_;
  EventLoopSpin spin_;
  size_t inFlight_ = 0;  // JS thread only
  size_t queuedCpuRuns_ = 0;
};

}  // namespace aotihub
