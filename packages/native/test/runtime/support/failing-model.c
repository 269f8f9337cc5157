/*
 * A stand-in for an AOTInductor model .so that exports the container C ABI
 * (torch/csrc/inductor/aoti_runtime/interface.h) and fails where a real model can: at creation
 * (FAIL_AT_CREATE) or at the first run (otherwise). One input "x", one output, no constants.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef void* Handle;
static int container;

#define EXPORT __attribute__((visibility("default")))

EXPORT int32_t AOTInductorModelContainerCreateWithDevice(Handle* out, size_t n, const char* device, const char* cubin) {
  (void)n; (void)device; (void)cubin;
#ifdef FAIL_AT_CREATE
  fprintf(stderr, "failing-model: cannot create the container (out of memory in the model's constructor)\n");
  *out = NULL;
  return 1;
#else
  *out = &container;
  return 0;
#endif
}
EXPORT int32_t AOTInductorModelContainerDelete(Handle h) { (void)h; return 0; }
EXPORT int32_t AOTInductorModelContainerRun(Handle h, void** in, size_t nin, void** out, size_t nout, void* stream, void* proxy) {
  (void)h; (void)in; (void)nin; (void)out; (void)nout; (void)stream; (void)proxy;
  fprintf(stderr, "failing-model: a kernel failed while running\n");
  return 1;
}
EXPORT int32_t AOTInductorModelContainerGetNumInputs(Handle h, size_t* n) { (void)h; *n = 1; return 0; }
EXPORT int32_t AOTInductorModelContainerGetInputName(Handle h, size_t i, const char** name) { (void)h; (void)i; *name = "x"; return 0; }
EXPORT int32_t AOTInductorModelContainerGetNumOutputs(Handle h, size_t* n) { (void)h; *n = 1; return 0; }
EXPORT int32_t AOTInductorModelContainerGetOutputName(Handle h, size_t i, const char** name) { (void)h; (void)i; *name = "output0"; return 0; }
EXPORT int32_t AOTInductorModelContainerGetNumConstants(Handle h, size_t* n) { (void)h; *n = 0; return 0; }
EXPORT int32_t AOTInductorModelContainerGetConstantName(Handle h, size_t i, const char** s) { (void)h; (void)i; *s = ""; return 1; }
EXPORT int32_t AOTInductorModelContainerGetConstantOriginalFQN(Handle h, size_t i, const char** s) { (void)h; (void)i; *s = ""; return 1; }
EXPORT int32_t AOTInductorModelContainerGetConstantFromFolded(Handle h, size_t i, int8_t* f) { (void)h; (void)i; *f = 0; return 1; }
EXPORT int32_t AOTInductorModelContainerGetConstantDtype(Handle h, size_t i, int32_t* d) { (void)h; (void)i; *d = 0; return 1; }
EXPORT int32_t AOTInductorModelContainerGetConstantDataSize(Handle h, size_t i, size_t* s) { (void)h; (void)i; *s = 0; return 1; }
EXPORT int32_t AOTInductorModelContainerUpdateUserManagedConstantBufferPairs(Handle h, const void* pairs, size_t n, int8_t inactive, int8_t full) {
  (void)h; (void)pairs; (void)n; (void)inactive; (void)full;
  return 0;
}
