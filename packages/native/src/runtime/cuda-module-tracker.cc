#include "cuda-module-tracker.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace aotihub {

namespace {

thread_local CudaModuleTracker* current = nullptr;

using LoadFn = int (*)(void**, const char*);
using LoadDataFn = int (*)(void**, const void*);
std::atomic<LoadFn> realLoad{nullptr};
std::atomic<LoadDataFn> realLoadData{nullptr};

int HookLoad(void** module, const char* path) {
  const int rc = realLoad.load()(module, path);
  if (rc == 0 && current != nullptr && module != nullptr) current->Add(*module);
  return rc;
}

int HookLoadData(void** module, const void* image) {
  const int rc = realLoadData.load()(module, image);
  if (rc == 0 && current != nullptr && module != nullptr) current->Add(*module);
  return rc;
}

#if defined(__x86_64__)
constexpr uint32_t kJumpSlot = R_X86_64_JUMP_SLOT;
constexpr uint32_t kGlobDat = R_X86_64_GLOB_DAT;
#elif defined(__aarch64__)
constexpr uint32_t kJumpSlot = R_AARCH64_JUMP_SLOT;
constexpr uint32_t kGlobDat = R_AARCH64_GLOB_DAT;
#else
constexpr uint32_t kJumpSlot = 0xffffffffu;
constexpr uint32_t kGlobDat = 0xffffffffu;
#endif

// The import slots of one loaded library, read from its dynamic section.
struct Imports {
  ElfW(Addr) base = 0;
  const ElfW(Sym)* symtab = nullptr;
  const char* strtab = nullptr;
  const ElfW(Rela)* tables[2] = {nullptr, nullptr};
  size_t sizes[2] = {0, 0};
  uintptr_t relroStart = 0, relroEnd = 0;  // the pages the loader made read-only after relocating

  bool Read(void* lib) {
    struct link_map* map = nullptr;
    if (::dlinfo(lib, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr || map->l_ld == nullptr) return false;
    base = map->l_addr;
    // glibc relocates these in place on most targets; where it does not, they are still offsets.
    auto at = [this](ElfW(Addr) p) { return p < base ? p + base : p; };
    for (const ElfW(Dyn)* d = map->l_ld; d->d_tag != DT_NULL; d++) {
      switch (d->d_tag) {
        case DT_SYMTAB: symtab = reinterpret_cast<const ElfW(Sym)*>(at(d->d_un.d_ptr)); break;
        case DT_STRTAB: strtab = reinterpret_cast<const char*>(at(d->d_un.d_ptr)); break;
        case DT_JMPREL: tables[0] = reinterpret_cast<const ElfW(Rela)*>(at(d->d_un.d_ptr)); break;
        case DT_PLTRELSZ: sizes[0] = d->d_un.d_val; break;
        case DT_RELA: tables[1] = reinterpret_cast<const ElfW(Rela)*>(at(d->d_un.d_ptr)); break;
        case DT_RELASZ: sizes[1] = d->d_un.d_val; break;
        default: break;
      }
    }
    FindRelro(map->l_ld);
    return symtab != nullptr && strtab != nullptr;
  }

  // As glibc applies PT_GNU_RELRO: whole pages from the segment's start, its end rounded down.
  void FindRelro(const ElfW(Dyn)* dynamic) {
    struct Search {
      const ElfW(Dyn)* dynamic;
      Imports* self;
    } search{dynamic, this};
    ::dl_iterate_phdr(
        [](struct dl_phdr_info* info, size_t, void* data) -> int {
          auto* s = static_cast<Search*>(data);
          bool mine = false;
          for (int i = 0; i < info->dlpi_phnum; i++)
            if (info->dlpi_phdr[i].p_type == PT_DYNAMIC &&
                reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr) == s->dynamic)
              mine = true;
          if (!mine) return 0;
          const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
          for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr)& p = info->dlpi_phdr[i];
            if (p.p_type != PT_GNU_RELRO) continue;
            s->self->relroStart = (info->dlpi_addr + p.p_vaddr) & ~(page - 1);
            s->self->relroEnd = (info->dlpi_addr + p.p_vaddr + p.p_memsz) & ~(page - 1);
          }
          return 1;
        },
        &search);
  }

  // Every import slot of `name` (a PLT slot and/or a data slot).
  std::vector<void**> Slots(const char* name) const {
    std::vector<void**> slots;
    for (int t = 0; t < 2; t++) {
      if (tables[t] == nullptr) continue;
      for (size_t i = 0; i < sizes[t] / sizeof(ElfW(Rela)); i++) {
        const ElfW(Rela)& r = tables[t][i];
        const uint32_t type = ELF64_R_TYPE(r.r_info);
        if (type != kJumpSlot && type != kGlobDat) continue;
        const ElfW(Sym)& s = symtab[ELF64_R_SYM(r.r_info)];
        if (std::strcmp(strtab + s.st_name, name) == 0) slots.push_back(reinterpret_cast<void**>(base + r.r_offset));
      }
    }
    return slots;
  }
};

// Writes a slot. A RELRO page (read-only since relocation) is opened for the write and closed
// again; any other slot's page is writable already and is left as it is.
bool Patch(const Imports& imports, void** slot, void* value) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(slot) & ~(page - 1);
  if (start < imports.relroStart || start >= imports.relroEnd) {
    *slot = value;
    return true;
  }
  if (::mprotect(reinterpret_cast<void*>(start), page, PROT_READ | PROT_WRITE) != 0) return false;
  *slot = value;
  ::mprotect(reinterpret_cast<void*>(start), page, PROT_READ);
  return true;
}

template <typename Fn>
bool HookAll(const Imports& imports, const char* name, Fn hook, std::atomic<Fn>& real) {
  bool any = false;
  for (void** slot : imports.Slots(name)) {
    void* resolved = *slot;
    if (resolved == reinterpret_cast<void*>(hook)) {
      any = true;  // this library is already hooked (opened by another container)
      continue;
    }
    Fn expected = nullptr;
    real.compare_exchange_strong(expected, reinterpret_cast<Fn>(resolved));
    if (reinterpret_cast<void*>(real.load()) != resolved) continue;  // another driver entry: leave it
    any = Patch(imports, slot, reinterpret_cast<void*>(hook)) || any;
  }
  return any;
}

}  // namespace

void CudaModuleTracker::Attach(void* lib) noexcept {
  // AOTIHUB_CUDA_MODULE_UNLOAD=0 leaves the kernels' modules loaded, as torch < 2.12 models do on
  // their own (bench/gpu/rss compares both).
  static const bool off = [] {
    const char* env = std::getenv("AOTIHUB_CUDA_MODULE_UNLOAD");
    return env != nullptr && std::strcmp(env, "0") == 0;
  }();
  if (off) return;
  Imports imports;
  if (lib == nullptr || !imports.Read(lib)) return;
  if (!imports.Slots("cuModuleUnload").empty()) return;  // the model unloads its own modules
  auto unload = reinterpret_cast<int (*)(void*)>(::dlsym(lib, "cuModuleUnload"));
  if (unload == nullptr) return;
  const bool hooked = HookAll<LoadFn>(imports, "cuModuleLoad", HookLoad, realLoad) |
                      HookAll<LoadDataFn>(imports, "cuModuleLoadData", HookLoadData, realLoadData);
  if (hooked) unload_ = unload;
}

void CudaModuleTracker::Add(void* module) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  modules_.push_back(module);
}

size_t CudaModuleTracker::recorded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return modules_.size();
}

void CudaModuleTracker::UnloadAll() noexcept {
  std::vector<void*> modules;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    modules.swap(modules_);
  }
  if (unload_ == nullptr) return;
  for (void* m : modules) unload_(m);
}

CudaModuleTracker::Scope::Scope(CudaModuleTracker& tracker) : previous_(current) {
  current = tracker.tracking() ? &tracker : nullptr;
}

CudaModuleTracker::Scope::~Scope() { current = previous_; }

}  // namespace aotihub
