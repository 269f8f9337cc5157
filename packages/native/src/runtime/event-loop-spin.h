// Keeps a JS thread's event loop polling, instead of sleeping in epoll, while short CUDA runs of that
// environment are in flight.
// Why: a run settles through a thread-safe function, an eventfd write that has to wake the JS thread
// out of epoll_wait. On the H200 host (a VM, whose idle vCPU halts) that wake-up took 17-23 us per
// call (docs/benchmarks.md, "Where a call's time goes": the hop back), a third of what run() added to
// the 53M DiT's ~0.57 ms call. While a libuv idle handle is active, the loop polls with a zero
// timeout and runs no JavaScript (the handle's callback is empty), so a completion is picked up
// within one turn of the loop.
// The price is the JS thread's core for the length of the run, as CUDA's own spin-wait on a
// synchronize costs the calling thread's; so only for runs whose recent median is short (the default
// 2000 us: above it the wake-up is under 1% of a call; AOTIHUB_LOOP_SPIN_RUN_US sets it, 0 turns
// this off), and only where the process may use at least 4 CPUs (the GPU's run thread and its poll
// use another). JS thread only, except ShouldSpinFor and ThresholdUs.
#pragma once
#include <node_api.h>
#include <sched.h>
#include <uv.h>

#include "../common/env-number.h"

namespace aotihub {

class EventLoopSpin {
 public:
  static constexpr double kDefaultThresholdUs = 2000;
  static constexpr int kMinCpus = 4;

  explicit EventLoopSpin(napi_env env) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return;
    idle_ = new uv_idle_t();
    if (uv_idle_init(loop, idle_) != 0) {
      delete idle_;
      idle_ = nullptr;
    }
  }
  // On the JS thread, when its environment goes away: the loop frees the handle once closed.
  ~EventLoopSpin() {
    if (idle_ == nullptr) return;
    uv_close(reinterpret_cast<uv_handle_t*>(idle_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_idle_t*>(handle); });
  }
  EventLoopSpin(const EventLoopSpin&) = delete;
  EventLoopSpin& operator=(const EventLoopSpin&) = delete;

  // Whether a run whose recent runs took `recentMedianUs` (a median) should keep the loop polling.
  static bool ShouldSpinFor(double recentMedianUs) {
    static const bool enabled = ThresholdUs() > 0 && UsableCpus() >= kMinCpus;
    return enabled && recentMedianUs <= ThresholdUs();
  }

  // One per run that spins, released when that run has settled.
  void Acquire() {
    if (idle_ == nullptr) return;
    if (holders_++ == 0) uv_idle_start(idle_, [](uv_idle_t*) {});
  }
  void Release() {
    if (idle_ == nullptr || holders_ == 0) return;
    if (--holders_ == 0) uv_idle_stop(idle_);
  }
  size_t holders() const { return holders_; }

  static double ThresholdUs() {
    static const double threshold = EnvNumber("AOTIHUB_LOOP_SPIN_RUN_US", kDefaultThresholdUs, 1e7);
    return threshold;
  }

 private:
  static int UsableCpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
    return CPU_COUNT(&set);
  }

  uv_idle_t* idle_ = nullptr;
  size_t holders_ = 0;
};

}  // namespace aotihub
