// What a CUDA load needs before libtorch is there, started on its own thread so that it overlaps
// libtorch's dlopen (issue 14, cold start): the CUDA runtime library of the same torch install
// (dlopened by path, so libtorch's DT_NEEDED later resolves to this very copy by soname), the
// device's primary context (shared by every runtime copy in the process), then cuBLAS and cuBLASLt
// (the libraries' one-time initialisation), and one small bf16 GEMM: the first GEMM of a process
// costs ~80-90 ms on an H200 whatever its shape (the later ones 0.2-3.4 ms; docs/benchmarks.md,
// "What the first call pays"), which the model's first call would otherwise pay. Between the
// context and cuBLAS it pins the weight upload's staging slots (pinned-ring.h).
#pragma once
#include <string>

namespace aotihub {

struct CudaPrewarmSpec {
  std::string cudart;    // empty: no prewarm at all
  std::string cublas;    // empty: skipped
  std::string cublasLt;  // empty: skipped
  int device = 0;
  bool gemm = false;     // one small bf16 GEMM through cuBLAS (needs `cublas`)
};

// Steady-clock milliseconds (CLOCK_MONOTONIC, the clock of process.hrtime) of each step's end;
// 0 where a step did not run. `error` names the first step that failed (the load goes on: libtorch
// then pays that step itself, as it would without a prewarm).
struct CudaPrewarmTimes {
  double start = 0, cudartLoaded = 0, contextReady = 0, stagingPinned = 0, cublasLtReady = 0, cublasReady = 0,
         gemmReady = 0;
  double contextWaitMs = 0, joinWaitMs = 0;
  std::string error;
};

// Starts the thread (once per process; later calls do nothing).
void StartCudaPrewarm(const CudaPrewarmSpec& spec);
// Blocks until libcudart and the cuBLAS libraries are loaded (or failed to load) and every function
// the thread calls is looked up: libtorch's dlopen waits for it, so that the dlopens do not contend
// for the loader's lock while the context, the handles and the GEMM are made (they then run during
// libtorch's dlopen), and libtorch binds to these copies.
void WaitCudaPrewarmRuntime();
// Blocks until the context step is done (returns at once when no prewarm runs).
void WaitCudaPrewarmContext();
// Blocks until every step a load needs is done: all but the GEMM, which may still run.
void JoinCudaPrewarm();
// Blocks until the thread is done (the GEMM too) and joins it: every CUDA run calls it first (an
// atomic load once done), and so does the process's exit.
void FinishCudaPrewarm();
CudaPrewarmTimes CudaPrewarmSnapshot();
double MonotonicMs();
// How many loaded objects have `needle` in their path (two libcudart copies: the prewarm missed).
int LoadedLibraryCount(const char* needle);

}  // namespace aotihub
