// What a CUDA load needs before libtorch is there, started on its own thread so that it overlaps
// libtorch's dlopen (issue 14, cold start): the CUDA runtime library of the same torch install
// (dlopened by path, so libtorch's DT_NEEDED later resolves to this very copy by soname), the
// device's primary context made through the driver API (shared by every runtime copy in the
// process), then cuBLAS and cuBLASLt (the libraries' one-time initialisation, which the first matmul
// would otherwise pay). Between the context and cuBLAS it pins the weight upload's staging slots
// (pinned-ring.h).
#pragma once
#include <string>

#include "../common/monotonic-ms.h"

namespace aotihub {

struct CudaPrewarmSpec {
  std::string cudart;    // empty: no prewarm at all
  std::string cublas;    // empty: skipped
  std::string cublasLt;  // empty: skipped
  int device = 0;
};

// Steady-clock milliseconds (CLOCK_MONOTONIC, the clock of process.hrtime) of each step's end;
// 0 where a step did not run. `error` names the first step that failed (the load goes on: libtorch
// then pays that step itself, as it would without a prewarm).
struct CudaPrewarmTimes {
  // cudartLoaded: libcuda and libcudart opened (libtorch's dlopen may start); driverReady: cuInit;
  // runtimeInitialized: the runtime library's own start on the context (after libtorch's dlopen).
  double start = 0, cudartLoaded = 0, driverReady = 0, contextReady = 0, stagingPinned = 0, runtimeInitialized = 0,
         cublasLtReady = 0, cublasReady = 0;
  double contextWaitMs = 0, joinWaitMs = 0;
  std::string error;
};

// Starts the thread (once per process; later calls do nothing).
void StartCudaPrewarm(const CudaPrewarmSpec& spec);
// Blocks until libcuda and libcudart are opened (or failed to open): libtorch's dlopen waits for
// it, so that it binds to this libcudart and the prewarm needs the loader's lock no more while the
// driver starts and the context is made.
void WaitCudaPrewarmRuntime();
// Blocks until the context step is done (returns at once when no prewarm runs).
void WaitCudaPrewarmContext();
// Blocks until every step is done and joins the thread.
void JoinCudaPrewarm();
CudaPrewarmTimes CudaPrewarmSnapshot();
// How many loaded objects have `needle` in their path (two libcudart copies: the prewarm missed).
int LoadedLibraryCount(const char* needle);

}  // namespace aotihub
