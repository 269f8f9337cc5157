// Steady-clock milliseconds (CLOCK_MONOTONIC, the clock of process.hrtime and performance.now()'s
// source): the stamps native stages report, which the JS side lines up with its own.
#pragma once
#include <chrono>

namespace aotihub {

inline double MonotonicMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace aotihub
