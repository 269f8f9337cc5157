// LD_PRELOAD malloc tracer (bench/gpu/rss, packages/native/test/runtime/constant-handles.test.ts): after rss_trace_mark(), every allocation is recorded
// with its call stack until freed; rss_trace_dump(path) writes the allocations still live, summed
// by the stack that made them (libraries resolved with dladdr), largest first. It answers "whose
// allocations made during these cycles are still there" without valgrind or heaptrack on the
// device. Build: gcc -O2 -shared -fPIC malloc-trace.c -o malloc-trace.so -ldl -lpthread
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);
extern void* __libc_memalign(size_t, size_t);

#define FRAMES 8
#define CAP (1u << 21)
typedef struct {
  uintptr_t ptr;  // 0: empty
  size_t size;
  void* frames[FRAMES];
} Entry;

static Entry* table;
static volatile int marked;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int inside;
static size_t live, dropped;

static size_t Slot(uintptr_t p) { return (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull >> 43) & (CAP - 1); }

static size_t bigBytes;  // RSS_TRACE_BIG: also print the stack of every allocation this large

static void Describe(FILE* out, void* addr);

static void Record(void* p, size_t size) {
  if (!marked || p == NULL || inside) return;
  inside = 1;
  void* frames[FRAMES + 2];
  int n = backtrace(frames, FRAMES + 2);
  if (bigBytes != 0 && size >= bigBytes) {
    fprintf(stderr, "[malloc-trace] %zu bytes", size);
    for (int f = 2; f < n; f++) Describe(stderr, frames[f]);
    fprintf(stderr, "\n");
  }
  pthread_mutex_lock(&lock);
  if (live < CAP * 3 / 4) {
    size_t i = Slot((uintptr_t)p);
    while (table[i].ptr != 0 && table[i].ptr != (uintptr_t)p) i = (i + 1) & (CAP - 1);
    if (table[i].ptr == 0) live++;
    table[i].ptr = (uintptr_t)p;
    table[i].size = size;
    memset(table[i].frames, 0, sizeof(table[i].frames));
    for (int f = 2; f < n && f - 2 < FRAMES; f++) table[i].frames[f - 2] = frames[f];
  } else {
    dropped++;
  }
  pthread_mutex_unlock(&lock);
  inside = 0;
}

// Linear probing with backward-shift deletion (no tombstones).
static void Forget(void* p) {
  if (!marked || p == NULL) return;
  pthread_mutex_lock(&lock);
  size_t i = Slot((uintptr_t)p);
  while (table[i].ptr != 0 && table[i].ptr != (uintptr_t)p) i = (i + 1) & (CAP - 1);
  if (table[i].ptr != 0) {
    live--;
    size_t j = i;
    for (;;) {
      table[i].ptr = 0;
      for (;;) {
        j = (j + 1) & (CAP - 1);
        if (table[j].ptr == 0) goto done;
        size_t k = Slot(table[j].ptr);
        if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) continue;
        break;
      }
      table[i] = table[j];
      i = j;
    }
  }
done:
  pthread_mutex_unlock(&lock);
}

void* malloc(size_t n) { void* p = __libc_malloc(n); Record(p, n); return p; }
void* calloc(size_t a, size_t b) { void* p = __libc_calloc(a, b); Record(p, a * b); return p; }
void free(void* p) { Forget(p); __libc_free(p); }
void* realloc(void* old, size_t n) {
  Forget(old);
  void* p = __libc_realloc(old, n);
  Record(p, n);
  return p;
}
void* memalign(size_t a, size_t n) { void* p = __libc_memalign(a, n); Record(p, n); return p; }
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  void* p = __libc_memalign(a, n);
  if (p == NULL) return 12;
  Record(p, n);
  *out = p;
  return 0;
}
void* valloc(size_t n) { return memalign(4096, n); }

__attribute__((constructor)) static void Init(void) {
  table = mmap(NULL, sizeof(Entry) * CAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  void* warm[2];
  const char* big = getenv("RSS_TRACE_BIG");
  bigBytes = big != NULL ? (size_t)strtoull(big, NULL, 10) : 0;
  inside = 1;
  backtrace(warm, 2);  // loads the unwinder now, not inside a traced malloc
  inside = 0;
}

void rss_trace_mark(void) {
  pthread_mutex_lock(&lock);
  marked = 1;
  pthread_mutex_unlock(&lock);
}

typedef struct {
  void* frames[FRAMES];
  size_t bytes, count;
} Group;

static int ByBytes(const void* a, const void* b) {
  size_t x = ((const Group*)a)->bytes, y = ((const Group*)b)->bytes;
  return x < y ? 1 : x > y ? -1 : 0;
}

static void Describe(FILE* out, void* addr) {
  Dl_info info;
  if (addr == NULL) return;
  if (dladdr(addr, &info) && info.dli_fname != NULL) {
    const char* base = strrchr(info.dli_fname, '/');
    fprintf(out, " <- %s+0x%lx", base ? base + 1 : info.dli_fname, (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
    if (info.dli_sname != NULL) fprintf(out, " (%.90s)", info.dli_sname);
  } else {
    fprintf(out, " <- %p", addr);
  }
}

// Live allocations made since the mark, summed by stack; returns the number of groups written.
int rss_trace_dump(const char* path, int top) {
  inside = 1;
  pthread_mutex_lock(&lock);
  marked = 0;  // stop recording while we read (our own allocations are not traced)
  size_t groupsCap = 1 << 16, groups = 0, bytes = 0, count = 0;
  Group* g = mmap(NULL, sizeof(Group) * groupsCap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (size_t i = 0; i < CAP; i++) {
    if (table[i].ptr == 0) continue;
    bytes += table[i].size;
    count++;
    size_t k = 0;
    for (; k < groups; k++)
      if (memcmp(g[k].frames, table[i].frames, sizeof(g[k].frames)) == 0) break;
    if (k == groups) {
      if (groups == groupsCap) continue;
      memcpy(g[groups].frames, table[i].frames, sizeof(g[0].frames));
      g[groups].bytes = 0;
      g[groups].count = 0;
      groups++;
    }
    g[k].bytes += table[i].size;
    g[k].count++;
  }
  pthread_mutex_unlock(&lock);
  qsort(g, groups, sizeof(Group), ByBytes);
  FILE* out = fopen(path, "w");
  if (out != NULL) {
    fprintf(out, "live since mark: %zu bytes in %zu allocations, %zu stacks (%zu not recorded: table full)\n", bytes,
            count, groups, dropped);
    for (size_t k = 0; k < groups && (int)k < top; k++) {
      fprintf(out, "%zu bytes in %zu:", g[k].bytes, g[k].count);
      for (int f = 0; f < FRAMES; f++) Describe(out, g[k].frames[f]);
      fprintf(out, "\n");
    }
    fclose(out);
  }
  munmap(g, sizeof(Group) * groupsCap);
  inside = 0;
  return (int)groups;
}
