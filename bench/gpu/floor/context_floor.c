// The floor under any "fresh process to first output" on a GPU machine: a C process that only
// loads the CUDA driver, creates the primary context of GPU 0 and makes it current, then exits.
// Issue 13 asks < 0.3 s for a fresh node process that also loads 1 GB of weights and runs a
// model; this measures what the driver alone costs in a fresh process on the same machine.
//   gcc -O2 -o /tmp/context_floor context_floor.c -ldl && /tmp/context_floor
// Prints, in ms since the process's own start (CLOCK_MONOTONIC vs /proc/self/stat's starttime
// is too coarse: the parent times the whole process instead), each step's end.
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef int (*cuInit_t)(unsigned);
typedef int (*cuDeviceGet_t)(int*, int);
typedef int (*cuPrimaryCtxRetain_t)(void**, int);
typedef int (*cuCtxSetCurrent_t)(void*);
typedef int (*cuMemAlloc_t)(unsigned long long*, size_t);

int main(void) {
  const double t0 = now_ms();
  void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!cuda) { fprintf(stderr, "dlopen libcuda.so.1: %s\n", dlerror()); return 1; }
  const double tLoad = now_ms();
  cuInit_t cuInit = (cuInit_t)dlsym(cuda, "cuInit");
  cuDeviceGet_t cuDeviceGet = (cuDeviceGet_t)dlsym(cuda, "cuDeviceGet");
  cuPrimaryCtxRetain_t retain = (cuPrimaryCtxRetain_t)dlsym(cuda, "cuDevicePrimaryCtxRetain");
  cuCtxSetCurrent_t setCurrent = (cuCtxSetCurrent_t)dlsym(cuda, "cuCtxSetCurrent");
  cuMemAlloc_t memAlloc = (cuMemAlloc_t)dlsym(cuda, "cuMemAlloc_v2");
  if (!cuInit || !cuDeviceGet || !retain || !setCurrent || !memAlloc) { fprintf(stderr, "missing symbols\n"); return 1; }
  if (cuInit(0) != 0) { fprintf(stderr, "cuInit failed\n"); return 1; }
  const double tInit = now_ms();
  int dev = 0;
  void* ctx = 0;
  if (cuDeviceGet(&dev, 0) != 0 || retain(&ctx, dev) != 0 || setCurrent(ctx) != 0) {
    fprintf(stderr, "context failed\n");
    return 1;
  }
  const double tCtx = now_ms();
  unsigned long long p = 0;
  if (memAlloc(&p, 1 << 20) != 0) { fprintf(stderr, "cuMemAlloc failed\n"); return 1; }
  const double tAlloc = now_ms();
  printf("{\"dlopen libcuda\": %.1f, \"cuInit\": %.1f, \"primary context\": %.1f, \"first cuMemAlloc\": %.1f}\n",
         tLoad - t0, tInit - tLoad, tCtx - tInit, tAlloc - tCtx);
  return 0;
}
