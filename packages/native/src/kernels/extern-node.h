// One call the compiled model makes through its proxy executor: an "extern node" of the package's
// `<hash>.wrapper.json`, already parsed and checked by the TS side (lib/kernels/extern-nodes.ts).
// The generated code passes, per call, the node's index, its dynamic ints and its tensors (inputs,
// then the output handles to fill), flattened in schema order; everything static (floats, bools,
// None) is only in the JSON. This mirrors what libtorch's OSSProxyExecutor derives from the JSON.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace aotihub {

enum class ArgKind {
  Tensor,           // one tensor from the flat tensors
  OptionalTensor,   // Tensor? with a value: one tensor, passed as an optional
  Tensors,          // Tensor[]: `count` tensors
  OptionalTensors,  // Tensor?[]: `present[i]` says which items are tensors (from the flat list)
  Int,              // int / SymInt: one flat int
  OptionalInt,      // int? with a value: one flat int, passed as an optional
  Ints,             // int[] / SymInt[]: `count` flat ints
  Float,            // static `number`
  OptionalFloat,
  Bool,             // static `number` (0 or 1)
  OptionalBool,
  None,             // an optional left empty
};

struct ExternArg {
  ArgKind kind = ArgKind::None;
  int count = 0;
  double number = 0;
  std::vector<bool> present;
};

enum class ReturnKind { Tensor, None };

struct ExternNode {
  std::string opName;    // "ns::op"
  std::string overload;  // "" for the default overload
  std::vector<ExternArg> args;
  std::vector<ReturnKind> returns;
};

}  // namespace aotihub
