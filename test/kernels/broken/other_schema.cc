// Registers the test kernel's op name with another signature, through the C shim's stable library
// API (no torch headers): what a model meets when the kernel changed under it. OP_NAMESPACE is set
// on the command line to the test kernel's namespace.
#include <cstdint>

extern "C" {
int32_t aoti_torch_library_init_def(const char* ns, const char* file, uint32_t line, void** ret);
int32_t aoti_torch_library_def(void* library, const char* schema);
}

#define AOTIHUB_STR(x) #x
#define AOTIHUB_XSTR(x) AOTIHUB_STR(x)

namespace {
// The library object stays alive for the process: deleting it would unregister the op.
const int registered = [] {
  void* library = nullptr;
  if (aoti_torch_library_init_def(AOTIHUB_XSTR(OP_NAMESPACE), __FILE__, __LINE__, &library) != 0) return 1;
  return aoti_torch_library_def(library, "mix(Tensor x, Tensor w, float alpha) -> Tensor");
}();
}  // namespace
