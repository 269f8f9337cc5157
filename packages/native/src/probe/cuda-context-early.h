// The CUDA driver's two slow steps, cuInit (~96 ms on an H200) and the device's primary context
// (~100 ms), then the weight upload's staging slots (pinned-ring.h), started on a native thread as
// the process starts (`node --import @aotihub/loader/cuda-early`), so they overlap Node's own start
// and the imports instead of following them (docs/cold-start.md, docs/benchmarks.md "The floor under the < 0.3 s goal"). Driver API only:
// no libcudart is known yet; every CUDA runtime copy loaded later uses that primary context.
#pragma once
#include <napi.h>

#include <string>

namespace aotihub {

struct EarlyContextState {
  bool started = false;
  double start = 0, initDone = 0, ready = 0, slotsPinned = 0;  // steady-clock ms; 0: not reached
  std::string error;                          // empty: no error (yet)
};

// Starts the thread once per process; later calls do nothing. Whether this call started it.
bool StartCudaContextEarly(int device);
// Blocks until the thread is done (at once when none ran) and joins it: the process's exit calls it,
// so no driver call is still running when the driver's own exit handlers do.
EarlyContextState JoinCudaContextEarly();
// Blocks until the thread has opened libcuda (at once where none runs): libtorch's early dlopen
// waits for it, since it holds the dynamic loader's lock for ~0.4 s.
void WaitCudaContextEarlyDriver();
// What the thread has done so far, without waiting (a load's stage table reports it).
EarlyContextState CudaContextEarlySnapshot();

void RegisterCudaContextEarly(Napi::Env env, Napi::Object exports);

}  // namespace aotihub
