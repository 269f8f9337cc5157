// Whether a weight upload can run beside libtorch's dlopen without slowing it, and which way of
// filling the pinned staging slots does least harm: memcpy from a read-only shared mapping of the
// file (what the upload ring does: the first touch of each page faults, under the process's
// mmap lock, which the dlopen's own mmap/mprotect calls take for writing) or pread into the slots
// (the kernel copies from the page cache into already-locked pages: no fault, no mmap lock).
// One fresh process per measurement (docs/benchmarks.md, "The floor under the < 0.3 s goal").
//   dlopen_beside_upload <libtorch_cuda.so> <weights file> none|mmap|pread|after-mmap|after-pread [threads]
// The driver's start, the primary context, the device buffer and the pinned slots come first (in a
// cold load they are ready during the dlopen's second half); then the dlopen starts, and
// none: nothing beside it; mmap / pread: the file uploaded beside it; after-*: uploaded once the
// dlopen has returned (today's order). Prints one JSON object; times in ms since the process started.
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef void* CUcontext;
typedef void* CUstream;
typedef void* CUevent;

static CUresult (*cuInit)(unsigned);
static CUresult (*cuDeviceGet)(int*, int);
static CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, int);
static CUresult (*cuCtxSetCurrent)(CUcontext);
static CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
static CUresult (*cuMemHostAlloc)(void**, size_t, unsigned);
static CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void*, size_t, CUstream);
static CUresult (*cuStreamCreate)(CUstream*, unsigned);
static CUresult (*cuStreamSynchronize)(CUstream);
static CUresult (*cuEventCreate)(CUevent*, unsigned);
static CUresult (*cuEventRecord)(CUevent, CUstream);
static CUresult (*cuEventSynchronize)(CUevent);

#define SLOT (4u << 20)
#define SLOTS_PER_THREAD 2
#define MAX_THREADS 16

static double t0;
static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6 - t0;
}

static const char* mode;
static const char* weights;
static int threads = 8;
static CUcontext ctx;
static CUdeviceptr dev;
static size_t size;
static int fd = -1;
static const uint8_t* mapping;
static double prepared_at, upload_start, upload_end;

#define CHECK(call)                                          \
  do {                                                       \
    CUresult rc_ = (call);                                   \
    if (rc_ != 0) {                                          \
      fprintf(stderr, "%s failed: %d\n", #call, rc_);        \
      exit(3);                                               \
    }                                                        \
  } while (0)

struct Lane {
  CUstream stream;
  void* slot[SLOTS_PER_THREAD];
  CUevent done[SLOTS_PER_THREAD];
};
static struct Lane lanes[MAX_THREADS];

static void* copier(void* arg) {
  const int t = (int)(intptr_t)arg;
  const int use_pread = strstr(mode, "pread") != NULL;
  CHECK(cuCtxSetCurrent(ctx));
  CUstream stream = lanes[t].stream;
  void** slot = lanes[t].slot;
  CUevent* done = lanes[t].done;
  int used = 0;
  for (size_t off = (size_t)t * SLOT; off < size; off += (size_t)threads * SLOT) {
    const size_t len = size - off < SLOT ? size - off : SLOT;
    const int s = used++ % SLOTS_PER_THREAD;
    if (used > SLOTS_PER_THREAD) CHECK(cuEventSynchronize(done[s]));
    if (use_pread) {
      size_t got = 0;
      while (got < len) {
        ssize_t n = pread(fd, (uint8_t*)slot[s] + got, len - got, (off_t)(off + got));
        if (n <= 0) exit(4);
        got += (size_t)n;
      }
    } else {
      memcpy(slot[s], mapping + off, len);
    }
    CHECK(cuMemcpyHtoDAsync(dev + off, slot[s], len, stream));
    CHECK(cuEventRecord(done[s], stream));
  }
  CHECK(cuStreamSynchronize(stream));
  return NULL;
}

// Everything an upload needs before its first copy: file, mapping, device buffer, pinned slots.
static void prepare(void) {
  int device;
  CHECK(cuInit(0));
  CHECK(cuDeviceGet(&device, 0));
  CHECK(cuDevicePrimaryCtxRetain(&ctx, device));
  CHECK(cuCtxSetCurrent(ctx));
  fd = open(weights, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) exit(5);
  size = (size_t)st.st_size;
  if (strstr(mode, "mmap")) {
    mapping = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (mapping == MAP_FAILED) exit(6);
  }
  CHECK(cuMemAlloc(&dev, size));
  for (int t = 0; t < threads; t++) {
    CHECK(cuStreamCreate(&lanes[t].stream, 1));
    for (int s = 0; s < SLOTS_PER_THREAD; s++) {
      CHECK(cuMemHostAlloc(&lanes[t].slot[s], SLOT, 0));
      CHECK(cuEventCreate(&lanes[t].done[s], 2));  // CU_EVENT_DISABLE_TIMING
    }
  }
  prepared_at = now_ms();
}

static void* upload(void* arg) {
  (void)arg;
  upload_start = now_ms();
  pthread_t th[MAX_THREADS];
  for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, copier, (void*)(intptr_t)t);
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  upload_end = now_ms();
  return NULL;
}

#define RESOLVE(lib, name, sym) *(void**)(&name) = dlsym(lib, sym)

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  t0 = 0;
  t0 = now_ms();
  mode = argv[3];
  weights = argv[2];
  if (argc > 4) threads = atoi(argv[4]);
  if (threads < 1 || threads > MAX_THREADS) return 2;
  // libcuda opened first, as the addon's SharedDriver does, so the copies never wait for the
  // loader's lock that libtorch's dlopen holds
  void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cuda) return 7;
  RESOLVE(cuda, cuInit, "cuInit");
  RESOLVE(cuda, cuDeviceGet, "cuDeviceGet");
  RESOLVE(cuda, cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  RESOLVE(cuda, cuCtxSetCurrent, "cuCtxSetCurrent");
  RESOLVE(cuda, cuMemAlloc, "cuMemAlloc_v2");
  RESOLVE(cuda, cuMemHostAlloc, "cuMemHostAlloc");
  RESOLVE(cuda, cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  RESOLVE(cuda, cuStreamCreate, "cuStreamCreate");
  RESOLVE(cuda, cuStreamSynchronize, "cuStreamSynchronize");
  RESOLVE(cuda, cuEventCreate, "cuEventCreate");
  RESOLVE(cuda, cuEventRecord, "cuEventRecord");
  RESOLVE(cuda, cuEventSynchronize, "cuEventSynchronize");
  prepare();
  const int beside = strcmp(mode, "mmap") == 0 || strcmp(mode, "pread") == 0;
  pthread_t up;
  if (beside) pthread_create(&up, NULL, upload, NULL);
  const double dlopen_start = now_ms();
  void* torch = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  const double dlopen_end = now_ms();
  if (beside) pthread_join(up, NULL);
  if (strncmp(mode, "after-", 6) == 0) upload(NULL);
  printf("{\"mode\": \"%s\", \"threads\": %d, \"dlopenMs\": %.1f, \"dlopenEnd\": %.1f, \"preparedAt\": %.1f, "
         "\"uploadStart\": %.1f, \"uploadEnd\": %.1f, \"uploadMs\": %.1f, \"gbps\": %.1f, \"ok\": %s}\n",
         mode, threads, dlopen_end - dlopen_start, dlopen_end, prepared_at, upload_start, upload_end,
         upload_end - upload_start, upload_end > upload_start ? size / ((upload_end - upload_start) * 1e6) : 0.0,
         torch ? "true" : "false");
  return torch ? 0 : 1;
}
