#include "constant-aliases.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <unordered_map>

namespace aotihub {

bool LeaksUserManagedConstantHandles(void* lib) {
  struct link_map* map = nullptr;
  if (lib == nullptr || ::dlinfo(lib, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr || map->l_ld == nullptr)
    return false;
  const ElfW(Addr) base = map->l_addr;
  const char* strtab = nullptr;
  size_t size = 0;
  for (const ElfW(Dyn)* d = map->l_ld; d->d_tag != DT_NULL; d++) {
    // glibc relocates DT_STRTAB to an address on most targets; where it does not, it is an offset.
    if (d->d_tag == DT_STRTAB)
      strtab = reinterpret_cast<const char*>(d->d_un.d_ptr < base ? d->d_un.d_ptr + base : d->d_un.d_ptr);
    if (d->d_tag == DT_STRSZ) size = d->d_un.d_val;
  }
  static const char kName[] = "MaybeOwningAtenTensorHandle";
  return strtab != nullptr && size > 0 && ::memmem(strtab, size, kName, sizeof(kName) - 1) != nullptr;
}

std::vector<AtenTensorHandle> ContainerConstantAliases(void* lib, const ContainerAbi& abi, ContainerHandle handle,
                                                       const std::vector<AtenTensorHandle>& ours) {
  std::vector<AtenTensorHandle> held;
  if (abi.extractEntries != nullptr) {
    const ConstantMapEntry* entries = nullptr;
    size_t n = 0;
    if (abi.extractEntries(handle, &entries, &n, false) == 0)
      for (size_t i = 0; i < n; i++) held.push_back(entries[i].handle);
  } else {
    // torch < 2.12 offers only the V1 call, which fills a std::unordered_map (what torch's own
    // runner passes it; the same libstdc++ ABI on both sides).
    using ConstantMap = std::unordered_map<std::string, AtenTensorHandle>;
    auto extract = reinterpret_cast<Rc (*)(ContainerHandle, ConstantMap*, bool)>(
        ::dlsym(lib, "AOTInductorModelContainerExtractConstantsMap"));
    ConstantMap map;
    if (extract != nullptr && extract(handle, &map, false) == 0)
      for (const auto& [name, h] : map) held.push_back(h);
  }
  std::vector<AtenTensorHandle> aliases;
  for (AtenTensorHandle h : held)
    if (h != nullptr && std::find(ours.begin(), ours.end(), h) == ours.end() &&
        std::find(aliases.begin(), aliases.end(), h) == aliases.end())
      aliases.push_back(h);
  return aliases;
}

}  // namespace aotihub
