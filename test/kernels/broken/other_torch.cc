// A library that needs a c10 symbol this torch does not have, as a kernel built against another
// torch release does (c10/ATen's C++ ABI changes between minor versions).
namespace c10 {
void aotihub_symbol_of_another_torch_release();
}

extern "C" void aotihub_kernel_entry() { c10::aotihub_symbol_of_another_torch_release(); }
