// When run() may run a CPU model on the JS thread instead of its run thread (run-thread.h). For a
// model that takes a few microseconds, the hop to the run thread and back costs several times the
// model (docs/benchmarks.md, "native: CPU": the JS thread sleeps in epoll while the run thread works,
// and waking it dominates); running it here, as runSync does, leaves only the work. Long runs keep
// the run thread, so run() never blocks the event loop for longer than the threshold, as measured.
//
// The decision reads what this variant's recent runs took, natively (median of the last kWindow, any
// path), and runs inline only when no CPU run of this environment is still queued: settling stays
// in call order, and the run never waits on a container another thread holds.
// AOTIHUB_INLINE_RUN_US sets the threshold (default 50 us; 0 turns inline runs off). JS thread only.
// CUDA runs record here too: their median decides whether the event loop polls while one is in
// flight (event-loop-spin.h).
#pragma once
#include <algorithm>
#include <array>
#include <limits>

#include "../common/env-number.h"

namespace aotihub {

class InlineRunPolicy {
 public:
  static constexpr int kWindow = 8;
  static constexpr double kDefaultThresholdUs = 50;

  static double ThresholdUs() {
    static const double threshold = EnvNumber("AOTIHUB_INLINE_RUN_US", kDefaultThresholdUs, 1e6);
    return threshold;
  }

  // `queuedCpuRuns`: CPU runs of this environment posted and not yet settled.
  bool ShouldInline(size_t queuedCpuRuns) const {
    const double threshold = ThresholdUs();
    if (threshold <= 0 || queuedCpuRuns != 0) return false;
    return RecentMedianUs() <= threshold;
  }

  // The median of the last kWindow runs; infinite until there were that many (a first run is slow).
  double RecentMedianUs() const {
    if (count_ < kWindow) return std::numeric_limits<double>::infinity();
    std::array<double, kWindow> sorted = recent_;
    std::nth_element(sorted.begin(), sorted.begin() + kWindow / 2, sorted.end());
    return sorted[kWindow / 2];
  }

  // How long the model's own run (inputs bound, outputs copied) took, wherever it ran.
  void Record(double us) {
    recent_[next_] = us;
    next_ = (next_ + 1) % kWindow;
    if (count_ < kWindow) count_++;
  }

 private:
  std::array<double, kWindow> recent_{};
  int next_ = 0;
  int count_ = 0;
};

}  // namespace aotihub
