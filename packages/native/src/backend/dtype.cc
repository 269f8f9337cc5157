#include "../common/native-error.h"
#include "tensor-backend.h"

namespace aotihub {

namespace {
struct Row {
  const char* name;
  size_t size;
};
// Torch's names, as the TS dtype table (lib/tensor/dtypes.ts) spells them.
constexpr Row kRows[] = {{"float32", 4}, {"float16", 2}, {"bfloat16", 2}, {"float8_e4m3fn", 1}, {"float8_e5m2", 1},
                         {"int64", 8},   {"int32", 4},   {"int8", 1},     {"uint8", 1},         {"bool", 1}};
TensorBackend* g_backend = nullptr;
}  // namespace

DType DTypeFromName(const std::string& name) {
  for (int i = 0; i < static_cast<int>(DType::Count); i++) {
    if (name == kRows[i].name) return static_cast<DType>(i);
  }
  throw NativeError("NATIVE_BAD_DTYPE", "unknown dtype " + name);
}

const char* DTypeName(DType dtype) { return kRows[static_cast<int>(dtype)].name; }
size_t DTypeSize(DType dtype) { return kRows[static_cast<int>(dtype)].size; }

bool TensorInfo::contiguous() const {
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] != 1 && strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

TensorBackend* CurrentBackend() {
  if (g_backend == nullptr) throw NativeError("NATIVE_NO_BACKEND", "libtorch is not loaded");
  return g_backend;
}
void SetBackend(TensorBackend* backend) { g_backend = backend; }

}  // namespace aotihub
