// The C++ anchor of bench/gpu/rss: a model library's load/dispose cycle over the AOTI C ABI alone,
// with no aotihub code in the process: dlopen (RTLD_LOCAL) of each variant's library, container
// create, every non-folded constant bound user-managed (device tensors from torch's shim, sized by
// the container), container delete, dlclose. Prints RSS and glibc's malloc in use every `every`
// cycles. `freeres` calls the library's own __gnu_cxx::__freeres before dlclose, `aliases` deletes
// the handles the container made for the constants after it is deleted: the two cleanups the
// runtime does (src/runtime/model-library.h, constant-aliases.h). Without them, what grows is
// torch's and libstdc++'s, not ours.
//   g++ -O2 -std=c++17 anchor-cycles.cc -o anchor-cycles -ldl
//   ./anchor-cycles <torch lib dir> <cycles> <every> <plain|freeres|aliases|both> <so> <cubin dir> [<so> <cubin dir>...]
#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Handle = void*;
struct Entry {
  const char* name;
  Handle handle;
};

template <typename F>
F Need(void* lib, const char* name) {
  void* p = ::dlsym(lib, name);
  if (p == nullptr) {
    std::fprintf(stderr, "missing %s\n", name);
    std::exit(2);
  }
  return reinterpret_cast<F>(p);
}

long RssKiB() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

struct Shim {
  int32_t (*emptyStrided)(int64_t, const int64_t*, const int64_t*, int32_t, int32_t, int32_t, Handle*);
  int32_t (*deleteTensor)(Handle);
  int32_t deviceType, u8;
  const char* device;
};

void Cycle(const Shim& shim, const std::string& so, const std::string& cubins, bool freeres, bool aliases) {
  void* lib = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "dlopen %s: %s\n", so.c_str(), ::dlerror());
    std::exit(2);
  }
  auto create = Need<int32_t (*)(Handle*, size_t, const char*, const char*)>(lib, "AOTInductorModelContainerCreateWithDevice");
  auto destroy = Need<int32_t (*)(Handle)>(lib, "AOTInductorModelContainerDelete");
  auto numConstants = Need<int32_t (*)(Handle, size_t*)>(lib, "AOTInductorModelContainerGetNumConstants");
  auto constantName = Need<int32_t (*)(Handle, size_t, const char**)>(lib, "AOTInductorModelContainerGetConstantName");
  auto fromFolded = Need<int32_t (*)(Handle, size_t, bool*)>(lib, "AOTInductorModelContainerGetConstantFromFolded");
  auto dataSize = Need<int32_t (*)(Handle, size_t, size_t*)>(lib, "AOTInductorModelContainerGetConstantDataSize");
  auto bind = Need<int32_t (*)(Handle, const Entry*, size_t, bool, bool)>(
      lib, "AOTInductorModelContainerUpdateUserManagedConstantBufferPairs");
  Handle container = nullptr;
  if (create(&container, 1, shim.device, cubins.empty() ? nullptr : cubins.c_str()) != 0) std::exit(3);
  size_t n = 0;
  numConstants(container, &n);
  std::vector<Handle> ours;
  std::vector<Entry> pairs;
  for (size_t i = 0; i < n; i++) {
    bool folded = false;
    fromFolded(container, i, &folded);
    if (folded) continue;
    const char* name = nullptr;
    size_t bytes = 0;
    constantName(container, i, &name);
    dataSize(container, i, &bytes);
    const int64_t size = static_cast<int64_t>(bytes), stride = 1;
    Handle t = nullptr;
    if (shim.emptyStrided(1, &size, &stride, shim.u8, shim.deviceType, 0, &t) != 0) std::exit(4);
    ours.push_back(t);
    pairs.push_back({name, t});
  }
  if (bind(container, pairs.data(), pairs.size(), false, true) != 0) std::exit(5);
  std::vector<Handle> made;
  if (aliases) {
    using Map = std::unordered_map<std::string, Handle>;
    auto extract = Need<int32_t (*)(Handle, Map*, bool)>(lib, "AOTInductorModelContainerExtractConstantsMap");
    Map map;
    extract(container, &map, false);
    for (const auto& [name, h] : map) {
      bool mine = false;
      for (Handle o : ours) mine = mine || o == h;
      if (!mine) made.push_back(h);
    }
  }
  destroy(container);
  for (Handle h : made) shim.deleteTensor(h);
  for (Handle t : ours) shim.deleteTensor(t);
  if (freeres)
    if (void* f = ::dlsym(lib, "_ZN9__gnu_cxx9__freeresEv")) {
      Dl_info a{}, b{};
      if (::dladdr(f, &a) != 0 && ::dladdr(reinterpret_cast<void*>(create), &b) != 0 && a.dli_fbase == b.dli_fbase)
        reinterpret_cast<void (*)()>(f)();
    }
  ::dlclose(lib);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) return 1;
  const std::string libDir = argv[1];
  const int cycles = std::atoi(argv[2]), every = std::atoi(argv[3]);
  const std::string mode = argv[4];
  const bool freeres = mode == "freeres" || mode == "both", aliases = mode == "aliases" || mode == "both";
  // ANCHOR_DEVICE=cpu: the same cycle with a CPU build and a CPU torch (checked on the 2-core machine).
  const bool onCpu = std::getenv("ANCHOR_DEVICE") != nullptr && std::strcmp(std::getenv("ANCHOR_DEVICE"), "cpu") == 0;
  if (!onCpu && ::dlopen((libDir + "/libtorch_cuda.so").c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    std::fprintf(stderr, "%s\n", ::dlerror());
    return 2;
  }
  void* cpu = ::dlopen((libDir + "/libtorch_cpu.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (cpu == nullptr) {
    std::fprintf(stderr, "%s\n", ::dlerror());
    return 2;
  }
  Shim shim{};
  shim.device = onCpu ? "cpu" : "cuda:0";
  shim.emptyStrided = Need<decltype(shim.emptyStrided)>(cpu, "aoti_torch_empty_strided");
  shim.deleteTensor = Need<decltype(shim.deleteTensor)>(cpu, "aoti_torch_delete_tensor_object");
  shim.deviceType = Need<int32_t (*)()>(cpu, onCpu ? "aoti_torch_device_type_cpu" : "aoti_torch_device_type_cuda")();
  shim.u8 = Need<int32_t (*)()>(cpu, "aoti_torch_dtype_uint8")();
  std::vector<std::pair<std::string, std::string>> libs;
  for (int i = 5; i + 1 < argc; i += 2) libs.emplace_back(argv[i], argv[i + 1]);
  auto cycle = [&] {
    for (const auto& [so, cubins] : libs) Cycle(shim, so, cubins, freeres, aliases);
  };
  for (int i = 0; i < 10; i++) cycle();
  const long rss0 = RssKiB();
  const size_t inUse0 = mallinfo2().uordblks;
  std::printf("[anchor-%s] cycle 0: RSS %ld KiB, malloc in use %zu KiB\n", mode.c_str(), rss0, inUse0 / 1024);
  for (int i = 1; i <= cycles; i++) {
    cycle();
    if (i % every == 0)
      std::printf("[anchor-%s] cycle %d: RSS %ld KiB, malloc in use %zu KiB\n", mode.c_str(), i, RssKiB(),
                  mallinfo2().uordblks / 1024);
  }
  std::printf("[anchor-%s] %d cycles: RSS %+.1f KiB a cycle, malloc in use %+.1f KiB a cycle\n", mode.c_str(), cycles,
              static_cast<double>(RssKiB() - rss0) / cycles,
              (static_cast<double>(mallinfo2().uordblks) - static_cast<double>(inUse0)) / 1024 / cycles);
  return 0;
}
