// dlopen/dlclose of a model library, with what glibc and a static libstdc++ leave behind.
// torch's CUDA builds (2.11 seen) link libstdc++ into the model `.so` statically, and such a library
// really unloads at dlclose; every later load runs libstdc++'s static initialisers again, whose
// emergency exception pool (~71 KiB, malloc'd) is never freed: two variants leaked ~148 KiB of
// malloc per load/dispose cycle on an H200 (bench/gpu/rss, slot 1). Before the last close of such
// a library, its own `__gnu_cxx::__freeres` frees that pool. A library that stays loaded after
// dlclose (glibc keeps one that defines a bound STB_GNU_UNIQUE symbol: the CPU builds here) is left
// alone: its initialisers never run again, and its pool must stay.
#pragma once
#include <string>

namespace aotihub {

// dlopen(RTLD_NOW | RTLD_LOCAL); null with dlerror() set on failure.
void* OpenModelLibrary(const std::string& path);
// dlclose, freeing the library's own libstdc++ pool first where the library is known to unload.
void CloseModelLibrary(const std::string& path, void* lib);

}  // namespace aotihub
