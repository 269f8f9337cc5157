// Registers the test kernel's op with the model's exact schema and a CPU kernel that always
// throws, through the C shim's stable library API (no torch headers): what a model meets when its
// kernel refuses the inputs at run time. OP_NAMESPACE is set on the command line to the test
// kernel's namespace; the schema is test/kernels/mix/csrc/mix.cc's.
#include <cstdint>
#include <stdexcept>

extern "C" {
int32_t aoti_torch_library_init_def(const char* ns, const char* file, uint32_t line, void** ret);
int32_t aoti_torch_library_init_impl(const char* ns, const char* k, const char* file, uint32_t line, void** ret);
int32_t aoti_torch_library_def(void* library, const char* schema);
int32_t aoti_torch_library_impl(void* library, const char* name, void (*fn)(uint64_t*, uint64_t, uint64_t));
}

#define AOTIHUB_STR(x) #x
#define AOTIHUB_XSTR(x) AOTIHUB_STR(x)

namespace {
void refuse(uint64_t*, uint64_t, uint64_t) { throw std::runtime_error("aotihub test op: refusing every call"); }

// The library objects stay alive for the process: deleting them would unregister the op.
const int registered = [] {
  void* def = nullptr;
  void* impl = nullptr;
  if (aoti_torch_library_init_def(AOTIHUB_XSTR(OP_NAMESPACE), __FILE__, __LINE__, &def) != 0) return 1;
  if (aoti_torch_library_def(
          def,
          "mix(Tensor x, Tensor w, Tensor? bias, float alpha, int shift, bool relu=False, int[] scale_dims=[]) -> Tensor") != 0)
    return 1;
  if (aoti_torch_library_init_impl(AOTIHUB_XSTR(OP_NAMESPACE), "CPU", __FILE__, __LINE__, &impl) != 0) return 1;
  return aoti_torch_library_impl(impl, "mix", &refuse);
}();
}  // namespace
