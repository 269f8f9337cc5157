#include "cuda-context-early.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "../common/join-at-exit.h"
#include "../common/join-thread-slot.h"
#include "../common/monotonic-ms.h"
#include "../runtime/pinned-ring.h"
#include "cuda-driver.h"

namespace aotihub {

namespace {

using namespace cuda_driver;

std::mutex g_mutex;
std::thread* g_thread = nullptr;  // joined through JoinThreadSlot
EarlyContextState g_state;
std::condition_variable g_driverOpened;
bool g_driverPending = false;  // started, libcuda not yet opened (or failed to open)

void DriverOpenDone() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_driverPending = false;
  }
  g_driverOpened.notify_all();
}

void Record(double EarlyContextState::*stamp) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_state.*stamp = MonotonicMs();
}

void Fail(const std::string& what) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_state.error.empty()) g_state.error = what;
}

void Run(int device) {
  const Driver& driver = SharedDriver();
  DriverOpenDone();
  if (!driver.loaded) {
    Fail(driver.why);
    return;
  }
  const DriverApi& api = driver.api;
  std::string why;
  if (StartPrimaryContext(api, device, why, [] { Record(&EarlyContextState::initDone); }) == nullptr) {
    Fail(why);
    return;
  }
  Record(&EarlyContextState::ready);
  // The upload's staging slots, which the load would otherwise pin while it uploads (the standalone
  // path, slot 3a: 54 against 32 ms for 1.08 GB); the context is current on this thread.
  if (PinStagingSlotsAhead(api)) Record(&EarlyContextState::slotsPinned);
}

// No driver call may still run when the driver's own exit handlers do: the exit joins the thread.
void JoinAtExit() { JoinCudaContextEarly(); }

Napi::Value StartJs(const Napi::CallbackInfo& info) {
  const int device = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (StartCudaContextEarly(device)) JoinAtProcessExit(info.Env(), JoinAtExit);
  return info.Env().Undefined();
}

Napi::Object StateToJs(Napi::Env env, const EarlyContextState& s) {
  auto o = Napi::Object::New(env);
  o.Set("started", s.started);
  o.Set("start", s.start);
  o.Set("initDone", s.initDone);
  o.Set("ready", s.ready);
  o.Set("slotsPinned", s.slotsPinned);
  o.Set("error", s.error);
  return o;
}

Napi::Value JoinJs(const Napi::CallbackInfo& info) { return StateToJs(info.Env(), JoinCudaContextEarly()); }

Napi::Value SnapshotJs(const Napi::CallbackInfo& info) {
  return StateToJs(info.Env(), CudaContextEarlySnapshot());
}

}  // namespace

bool StartCudaContextEarly(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_state.started) return false;
  g_state.started = true;
  g_state.start = MonotonicMs();
  g_driverPending = true;
  try {
    g_thread = new std::thread(Run, device);
  } catch (...) {
    g_state.error = "could not start the thread";
    g_driverPending = false;
    return false;
  }
  return true;
}

void WaitCudaContextEarlyDriver() {
  std::unique_lock<std::mutex> lock(g_mutex);
  g_driverOpened.wait(lock, [] { return !g_driverPending; });
}

EarlyContextState JoinCudaContextEarly() {
  JoinThreadSlot(g_mutex, g_thread);
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_state;
}

EarlyContextState CudaContextEarlySnapshot() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_state;
}

void RegisterCudaContextEarly(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaContextEarlyTimes", Napi::Function::New(env, SnapshotJs));
  exports.Set("startCudaContextEarly", Napi::Function::New(env, StartJs));
  exports.Set("joinCudaContextEarly", Napi::Function::New(env, JoinJs));
}

}  // namespace aotihub
