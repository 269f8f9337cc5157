// Where a run's time goes, for the per-call benchmark (bench/gpu/gpu-perf.bench.ts): timestamps of
// one call's stages, recorded only when AOTIHUB_RUN_TRACE is set (read once) and read back with the
// binding's runTrace(). Off, it costs a predictable branch per stage.
#pragma once
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace aotihub {

struct RunStamps {
  // Microseconds on one steady clock. JS thread: called (entry), posted (inputs captured, queued);
  // run thread: started, launched (the model's Run returned), synced (outputs copied, stream idle),
  // finished (handed back); JS thread: settleStart, settleEnd (outputs turned into JS values).
  enum { kCalled, kPosted, kStarted, kLaunched, kSynced, kFinished, kSettleStart, kSettleEnd, kCount };
  double t[kCount] = {};
  void Mark(int which) { t[which] = Now(); }
  static double Now() {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
};

class RunTrace {
 public:
  static bool Enabled() {
    static const bool enabled = std::getenv("AOTIHUB_RUN_TRACE") != nullptr;
    return enabled;
  }
  static void Record(const RunStamps& s) {
    std::lock_guard<std::mutex> lock(Mutex());
    auto& all = All();
    if (all.size() < 100000) all.push_back(s);
  }
  static std::vector<RunStamps> Take() {
    std::lock_guard<std::mutex> lock(Mutex());
    std::vector<RunStamps> taken;
    taken.swap(All());
    return taken;
  }

 private:
  static std::mutex& Mutex() {
    static auto* m = new std::mutex();
    return *m;
  }
  static std::vector<RunStamps>& All() {
    static auto* v = new std::vector<RunStamps>();
    return *v;
  }
};

}  // namespace aotihub
