// A kernel's shared library (e.g. a kernels-community build's `_<name>_<hash>.abi3.so`), loaded
// once per process after libtorch and before any model that calls its ops: its static initializers
// register the ops (TORCH_LIBRARY) with libtorch's dispatcher, where the proxy executor finds them.
#pragma once
#include <string>

namespace aotihub {

struct KernelLoadResult {
  bool alreadyLoaded = false;
  double loadMs = 0;
};

// Refuses (NATIVE_KERNEL_ABI) a library that needs symbols the loaded libtorch lacks: built for
// another torch. Then dlopen(RTLD_LAZY | RTLD_GLOBAL): lazy because kernels-community libraries are
// Python extension modules whose PyInit_* refers to libpython, which is never called here.
KernelLoadResult LoadKernelLibrary(const std::string& path);

}  // namespace aotihub
