// Stands in for a filesystem that gives every new folder mode 0777 whatever mode was asked (a
// vfat or SMB mount with dir_mode=0777, or another user opening each folder as it appears):
// preloaded (LD_PRELOAD), it interposes the C library's mkdir and, for folders under the path in
// AOTIHUB_TEST_OPEN_MKDIR_UNDER, opens the new folder to everyone. Other paths are untouched.
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdlib>
#include <cstring>

extern "C" __attribute__((visibility("default"))) int mkdir(const char* path, mode_t mode) {
  using Mkdir = int (*)(const char*, mode_t);
  static const auto real = reinterpret_cast<Mkdir>(::dlsym(RTLD_NEXT, "mkdir"));
  const int made = real(path, mode);
  const char* under = std::getenv("AOTIHUB_TEST_OPEN_MKDIR_UNDER");
  if (made == 0 && under != nullptr && std::strncmp(path, under, std::strlen(under)) == 0) ::chmod(path, 0777);
  return made;
}
