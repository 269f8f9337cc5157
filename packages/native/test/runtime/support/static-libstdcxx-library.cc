// A stand-in for torch's CUDA model libraries (packages/native/src/runtime/model-library.h): built
// with -static-libstdc++, so loading it runs libstdc++'s static initialisers, which malloc the
// emergency exception pool; it throws, so that pool is linked in. It is not an AOTI model (no
// container entry points besides the first one looked up), so opening it fails after the dlopen and
// the runtime closes it again: a load/dispose cycle of the library alone.
extern "C" int AOTInductorModelContainerCreateWithDevice(void**, unsigned long, const char*, const char*) { return 1; }

extern "C" int ThrowAndCatch(int n) {
  try {
    if (n < 0) throw n;
    return n;
  } catch (int e) {
    return e;
  }
}
