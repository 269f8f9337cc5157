// dlopen/dlclose of model libraries, and what a reload would leave behind.
// torch's CUDA builds (2.11 seen) link libstdc++ into the model `.so` statically, and such a library
// really unloads at dlclose; every later load then runs libstdc++'s static initialisers again, and
// what they malloc is never freed: the emergency exception pool (~71 KiB). Two variants leaked
// ~145 KiB of malloc per load/dispose cycle on an H200 (bench/gpu/rss, slots 1 and 1b). So:
//  - the last close of a library keeps it loaded for a while (the most recently closed ones, up to
//    kRetainedLibraries and kRetainedBytes of files), and a later open of the same path takes it
//    back: load/dispose cycles of one model never reload it (and skip its dlopen). The CPU builds
//    here stay loaded after dlclose anyway (glibc keeps a library whose STB_GNU_UNIQUE symbol it
//    bound);
//  - a library let go for good that is known to unload gets its own `__gnu_cxx::__freeres` first,
//    which frees the pool (slot 1b, reloading at every load: malloc in use +0.3 KiB a cycle over 600
//    cycles with it, +144.6 without).
// AOTIHUB_RETAIN_MODEL_LIBRARIES=0 and AOTIHUB_FREE_LIBSTDCXX_POOL=0 switch these off (bench/gpu/rss).
#pragma once
#include <string>

namespace aotihub {

// dlopen(RTLD_NOW | RTLD_LOCAL), or a retained handle of the same path; null with dlerror() set on failure.
void* OpenModelLibrary(const std::string& path);
// Gives the handle back: retained where it was the last one, or dlclosed.
void CloseModelLibrary(const std::string& path, void* lib);

}  // namespace aotihub
