#include "cuda-context-early.h"

#include <dlfcn.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "../common/join-thread-slot.h"
#include "cuda-driver.h"

namespace aotihub {

namespace {

using namespace cuda_driver;

std::mutex g_mutex;
std::thread* g_thread = nullptr;  // joined through JoinThreadSlot
EarlyContextState g_state;

double Now() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Record(double EarlyContextState::*stamp) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_state.*stamp = Now();
}

void Fail(const std::string& what) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_state.error.empty()) g_state.error = what;
}

void Run(int device) {
  // Kept loaded for the process, as the device probe keeps it: every CUDA user needs this driver.
  void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    Fail(std::string("libcuda.so.1 not loadable: ") + (why ? why : "unknown"));
    return;
  }
  using Init = CUresult (*)(unsigned int);
  using DeviceGet = CUresult (*)(CUdevice*, int);
  using Retain = CUresult (*)(void**, CUdevice);
  auto init = reinterpret_cast<Init>(::dlsym(lib, "cuInit"));
  auto deviceGet = reinterpret_cast<DeviceGet>(::dlsym(lib, "cuDeviceGet"));
  auto retain = reinterpret_cast<Retain>(::dlsym(lib, "cuDevicePrimaryCtxRetain"));
  if (init == nullptr || deviceGet == nullptr || retain == nullptr) {
    Fail("libcuda.so.1 lacks cuInit, cuDeviceGet or cuDevicePrimaryCtxRetain");
    return;
  }
  if (CUresult rc = init(0); rc != 0) {
    Fail("cuInit returned " + std::to_string(rc));
    return;
  }
  Record(&EarlyContextState::initDone);
  CUdevice dev = 0;
  void* context = nullptr;
  if (CUresult rc = deviceGet(&dev, device); rc != 0) {
    Fail("cuDeviceGet(" + std::to_string(device) + ") returned " + std::to_string(rc));
    return;
  }
  // Retained for the process's life: the runtime that loads a model on this device uses it.
  if (CUresult rc = retain(&context, dev); rc != 0) {
    Fail("cuDevicePrimaryCtxRetain returned " + std::to_string(rc));
    return;
  }
  Record(&EarlyContextState::ready);
}

Napi::Value StartJs(const Napi::CallbackInfo& info) {
  const int device = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  StartCudaContextEarly(device);
  return info.Env().Undefined();
}

Napi::Value JoinJs(const Napi::CallbackInfo& info) {
  const EarlyContextState s = JoinCudaContextEarly();
  auto o = Napi::Object::New(info.Env());
  o.Set("started", s.started);
  o.Set("start", s.start);
  o.Set("initDone", s.initDone);
  o.Set("ready", s.ready);
  o.Set("error", s.error);
  return o;
}

}  // namespace

void StartCudaContextEarly(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_state.started) return;
  g_state.started = true;
  g_state.start = Now();
  try {
    g_thread = new std::thread(Run, device);
  } catch (...) {
    g_state.error = "could not start the thread";
  }
}

EarlyContextState JoinCudaContextEarly() {
  JoinThreadSlot(g_mutex, g_thread);
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_state;
}

void RegisterCudaContextEarly(Napi::Env env, Napi::Object exports) {
  exports.Set("startCudaContextEarly", Napi::Function::New(env, StartJs));
  exports.Set("joinCudaContextEarly", Napi::Function::New(env, JoinJs));
}

}  // namespace aotihub
