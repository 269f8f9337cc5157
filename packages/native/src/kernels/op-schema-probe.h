// Reads the schema an op is registered with, so a model's call can be checked against the kernel
// actually loaded before the first call (the C shim has no schema getter, and a stack that does not
// fit the schema crashes inside the dispatcher).
#pragma once
#include <string>

namespace aotihub {

struct ProbedSchema {
  bool available = true;  // false: this libtorch does not offer the entry points the probe uses
  bool found = false;     // the dispatcher knows the op
  std::string schema;     // e.g. "ns::op(Tensor x, float alpha) -> Tensor"
};

ProbedSchema ProbeOpSchema(const std::string& opName, const std::string& overload);

}  // namespace aotihub
