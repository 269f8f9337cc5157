// Stands in for a libtorch whose C shim lacks aoti_torch_call_dispatcher (torch < 2.8): preloaded
// (LD_PRELOAD), it interposes dlsym so that looking that one function up finds nothing, the way it
// does in such a libtorch; every other look-up goes to the C library's dlsym unchanged. The
// dynamic linker's own binding of a model .so is not dlsym, and is not touched.
#include <dlfcn.h>

#include <cstring>

extern "C" __attribute__((visibility("default"))) void* dlsym(void* handle, const char* name) {
  using Dlsym = void* (*)(void*, const char*);
  // dlsym moved into libc.so.6 at glibc 2.34; older glibcs have the 2.2.5 version (in libdl).
  static const auto real = [] {
    void* found = ::dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
    return reinterpret_cast<Dlsym>(found != nullptr ? found : ::dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5"));
  }();
  if (std::strcmp(name, "aoti_torch_call_dispatcher") == 0) return nullptr;
  return real(handle, name);
}
