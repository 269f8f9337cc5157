#include "amx-permission.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace aotihub {

void RequestAmxPermission() {
#if defined(__x86_64__) && defined(SYS_arch_prctl)
  constexpr int kArchReqXcompPerm = 0x1023;
  constexpr int kXfeatureXtiledata = 18;
  ::syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata);
#endif
}

}  // namespace aotihub
