// How long dlopen of torch's libraries takes with RTLD_NOW (what the addon's early dlopen uses) and
// with RTLD_LAZY (PLT entries bound on first call), one fresh process per measurement, so that the
// page cache is the only state carried over. Prints one JSON object.
//   dlopen_flags <lib/libtorch_cuda.so or libtorch_cpu.so> now|lazy
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const int flags = (strcmp(argv[2], "lazy") == 0 ? RTLD_LAZY : RTLD_NOW) | RTLD_LOCAL;
  const double t = now_ms();
  void* lib = dlopen(argv[1], flags);
  const double ms = now_ms() - t;
  printf("{\"file\": \"%s\", \"flags\": \"%s\", \"ms\": %.1f, \"ok\": %s}\n", strrchr(argv[1], '/') + 1, argv[2], ms,
         lib ? "true" : "false");
  return lib ? 0 : 1;
}
