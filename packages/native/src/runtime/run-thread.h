// The threads that run every asynchronous model call of the process: one for all CPU models, one per
// GPU for CUDA models (docs/benchmarks.md, "native: CPU" and "Issue 14 on the GPU").
// Why not libuv's pool, on the CPU: inductor's CPU kernels and ATen open an OpenMP team per calling
// thread, and libgomp cuts its spin-wait to ~100 iterations as soon as it manages more threads than
// there are CPUs; four pool threads on two cores make four teams, so every parallel region then
// sleeps and wakes on a futex. One calling thread keeps one team, and it stays warm.
// On a GPU: a CUDA call is launch-bound (the CPU enqueues a few hundred kernels), and a pool thread
// that slept since the last call, on whichever core the scheduler picks, launches them cold; one
// thread per GPU that polls briefly between calls keeps the driver's state in its caches, and the
// context and current device are set on it once. Runs of different models on one device queue behind
// each other, which loses little: each run already keeps the device busy until its stream is idle.
#pragma once
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "../common/env-number.h"

namespace aotihub {

class RunThread {
 public:
  using Job = std::function<void()>;

  // Started on first use and never joined: they live as long as the process, like libuv's pool.
  static RunThread& ForCpu() {
    static RunThread* instance = new RunThread(kCpuPoll);
    return *instance;
  }
  static RunThread& ForCuda(int deviceIndex) {
    static std::mutex mutex;
    static auto* threads = new std::map<int, RunThread*>();
    std::lock_guard<std::mutex> lock(mutex);
    RunThread*& t = (*threads)[deviceIndex];
    if (t == nullptr) t = new RunThread(kCudaPoll);
    return *t;
  }

  // Jobs run one at a time, in the order posted. A job must not throw.
  void Post(Job job) {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
    queued_.store(true, std::memory_order_release);
    if (sleeping_) wake_.notify_one();
  }

 private:
  // After a job the thread polls for the next one this long before it sleeps: a caller awaiting
  // run() in a loop posts again within a few microseconds of its promise settling, and waking a
  // sleeping thread costs more than that. sched_yield keeps the poll from starving other work.
  // On a GPU the JS side takes 60-100 us between a run's completion and the next post (the hop back,
  // turning outputs into JS values, capturing the next inputs: measured on an H200 host, a VM), so
  // a 50 us poll missed it and each call paid a wake-up (10-17 us); 200 us catches it.
  // AOTIHUB_RUN_POLL_US overrides both (read when a thread starts): longer trades a spinning core
  // for a faster next call where wake-ups are slow (a VM's idle vCPU).
  static constexpr std::chrono::microseconds kCpuPoll{50};
  static constexpr std::chrono::microseconds kCudaPoll{200};

  explicit RunThread(std::chrono::microseconds poll) : poll_(PollFromEnv(poll)) {
    // Signals stay with the JS thread (the thread inherits the mask it is created with).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    std::thread([this] { Loop(); }).detach();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }

  static std::chrono::microseconds PollFromEnv(std::chrono::microseconds fallback) {
    const double us = EnvNumber("AOTIHUB_RUN_POLL_US", static_cast<double>(fallback.count()), 1000000);
    return std::chrono::microseconds(static_cast<long>(us));
  }

  void Loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping_ = true;
        wake_.wait(lock, [this] { return !jobs_.empty(); });
        sleeping_ = false;
        job = Take();
      }
      for (;;) {
        job();
        job = nullptr;
        if (!PollForNext()) break;
        std::lock_guard<std::mutex> lock(mutex_);
        job = Take();
      }
    }
  }

  // Caller holds mutex_, jobs_ is not empty.
  Job Take() {
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    queued_.store(!jobs_.empty(), std::memory_order_release);
    return job;
  }

  bool PollForNext() {
    const auto until = std::chrono::steady_clock::now() + poll_;
    while (!queued_.load(std::memory_order_acquire)) {
      if (std::chrono::steady_clock::now() >= until) return false;
      sched_yield();
    }
    return true;
  }

  const std::chrono::microseconds poll_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::atomic<bool> queued_{false};
  bool sleeping_ = false;
};

}  // namespace aotihub
