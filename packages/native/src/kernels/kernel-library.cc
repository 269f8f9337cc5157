#include "kernel-library.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

#include "../common/native-error.h"

namespace aotihub {

namespace {

std::mutex g_mutex;
std::set<std::string> g_loaded;  // real paths

class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw NativeError("NATIVE_KERNEL_LOAD", "cannot open " + path + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      size_ = static_cast<size_t>(st.st_size);
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      data_ = p == MAP_FAILED ? nullptr : static_cast<const uint8_t*>(p);
    }
    ::close(fd);
    if (data_ == nullptr) throw NativeError("NATIVE_KERNEL_LOAD", "cannot map " + path);
  }
  ~MappedFile() { ::munmap(const_cast<uint8_t*>(data_), size_); }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

bool InRange(const MappedFile& f, uint64_t offset, uint64_t bytes) {
  return offset <= f.size() && bytes <= f.size() - offset;
}

// Undefined, non-weak function and object symbols of the dynamic symbol table (ELF64, what the
// dynamic linker will have to resolve). Bounds-checked: a damaged file is refused, never followed.
std::vector<std::string> UndefinedSymbols(const std::string& path) {
  MappedFile f(path);
  if (f.size() < sizeof(Elf64_Ehdr) || std::memcmp(f.data(), ELFMAG, SELFMAG) != 0 ||
      f.data()[EI_CLASS] != ELFCLASS64)
    throw NativeError("NATIVE_KERNEL_LOAD", path + " is not a 64-bit ELF shared library");
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(f.data());
  if (!InRange(f, eh->e_shoff, uint64_t(eh->e_shnum) * sizeof(Elf64_Shdr)))
    throw NativeError("NATIVE_KERNEL_LOAD", path + " has a damaged section table");
  const auto* sections = reinterpret_cast<const Elf64_Shdr*>(f.data() + eh->e_shoff);
  std::vector<std::string> out;
  for (int i = 0; i < eh->e_shnum; i++) {
    const Elf64_Shdr& sh = sections[i];
    if (sh.sh_type != SHT_DYNSYM || sh.sh_link >= eh->e_shnum) continue;
    const Elf64_Shdr& strtab = sections[sh.sh_link];
    if (!InRange(f, sh.sh_offset, sh.sh_size) || !InRange(f, strtab.sh_offset, strtab.sh_size))
      throw NativeError("NATIVE_KERNEL_LOAD", path + " has a damaged symbol table");
    const auto* syms = reinterpret_cast<const Elf64_Sym*>(f.data() + sh.sh_offset);
    const char* names = reinterpret_cast<const char*>(f.data() + strtab.sh_offset);
    for (size_t j = 1; j < sh.sh_size / sizeof(Elf64_Sym); j++) {
      const Elf64_Sym& s = syms[j];
      if (s.st_shndx != SHN_UNDEF || ELF64_ST_BIND(s.st_info) == STB_WEAK || s.st_name >= strtab.sh_size) continue;
      const char* name = names + s.st_name;
      if (std::memchr(name, 0, strtab.sh_size - s.st_name) == nullptr || *name == 0) continue;
      out.emplace_back(name);
    }
  }
  return out;
}

// The symbols that pin a library to one torch build (libpython's are not among them: the PyInit_*
// entry of a kernels-community library is never called outside Python): c10/ATen/torch/caffe2 C++ entities (their
// ABI changes between minor versions) and the C shim. The library's other needs (libstdc++,
// libgomp, libcudart) are the dynamic linker's to find and report.
bool IsTorchSymbol(const std::string& name) {
  if (name.rfind("aoti_torch_", 0) == 0) return true;
  if (name.rfind("_Z", 0) != 0) return false;
  const std::string head = name.substr(0, 16);
  for (const char* ns : {"N3c10", "N2at", "N5torch", "N6caffe2", "NK3c10", "NK2at", "NK5torch"})
    if (head.find(ns) != std::string::npos) return true;
  return false;
}

bool Resolvable(const std::string& name) { return ::dlsym(RTLD_DEFAULT, name.c_str()) != nullptr; }

}  // namespace

KernelLoadResult LoadKernelLibrary(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr)
    throw NativeError("NATIVE_KERNEL_LOAD", "cannot resolve " + path + ": " + std::strerror(errno));
  KernelLoadResult result;
  if (g_loaded.count(real) != 0) {
    result.alreadyLoaded = true;
    return result;
  }
  const auto start = std::chrono::steady_clock::now();
  // A symbol neither libtorch nor libc provides means a library built for another torch (C++ ABI
  // of c10/ATen changes between minor versions). Lazy binding would only find out at the first
  // call, and then the dynamic linker kills the process: find out now, while refusing is possible.
  std::string missing;
  int count = 0;
  for (const auto& name : UndefinedSymbols(real)) {
    if (!IsTorchSymbol(name) || Resolvable(name)) continue;
    if (count++ < 5) missing += "\n    " + name;
  }
  if (count > 0) {
    throw NativeError("NATIVE_KERNEL_ABI", std::string(real) + " needs " + std::to_string(count) +
                                               " symbol(s) the loaded libtorch does not provide:" + missing);
  }
  if (::dlopen(real, RTLD_LAZY | RTLD_GLOBAL) == nullptr) {
    const char* why = ::dlerror();
    throw NativeError("NATIVE_KERNEL_LOAD", std::string("dlopen ") + real + ": " + (why ? why : "unknown failure"));
  }
  g_loaded.insert(real);
  result.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace aotihub
