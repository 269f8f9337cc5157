// A tuning knob read from the environment: a number in [0, max], or the fallback when the variable
// is unset, empty, not a number, or out of range (a typo must not turn a feature off or up).
#pragma once
#include <cstdlib>

namespace aotihub {

inline double EnvNumber(const char* name, double fallback, double max) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  return (*end == '\0' && value >= 0 && value <= max) ? value : fallback;
}

}  // namespace aotihub
