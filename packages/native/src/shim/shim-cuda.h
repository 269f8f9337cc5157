// The standalone runtime's CUDA side: libcudart loaded by us (RTLD_GLOBAL, so a compiled model's
// cuda* calls resolve to it), a caching device allocator, and each thread's current stream per
// device (what aoti_torch_create_cuda_stream_guard sets). Compiled and linked in every build; on a
// GPU it ran for two small models only (docs/standalone-runtime.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aotihub::shim {

// dlopens `path`, or else libcudart.so.13 / libcudart.so.12 from the library path; returns the one
// loaded. Throws NativeError NATIVE_CUDART_MISSING when none loads.
std::string LoadCudaRuntime(const std::string& path);
bool CudaRuntimeLoaded();

// Device memory from the caching allocator; blocks are reused only on the stream that freed them,
// so stream order keeps a reuse safe. A null stream means the thread's current one.
void* CudaAllocate(size_t nbytes, int deviceIndex, void** streamOut);
void CudaFree(void* data, size_t nbytes, int deviceIndex, void* stream);
// Returns 0 or the CUDA error; waits for the copy unless nonBlocking.
int CudaCopy(void* dst, const void* src, size_t bytes, int deviceIndex, bool nonBlocking);

// One side of a strided copy: where its first element is, its strides (elements, >= 0), and
// whether the memory is on the device.
struct StridedSide {
  void* data;
  const std::vector<int64_t>& strides;
  bool onDevice;
};
// How CudaCopyStrided moved the data, for the tests' probe (last call on this thread).
enum class StridedCopyPath { kDense, kRows2D, kStaged };
// A copy between two views of one shape and element size, any strides, either side on the device:
// dims that are contiguous in both are merged, then each remaining 2D slice is one
// cudaMemcpy2DAsync (rows of the merged inner dims, or single elements at their pitches); layouts
// cudaMemcpy2D cannot express (a stride-0 broadcast source), or too many slices, are staged
// through host memory and copied there (synchronously). Returns 0 or the CUDA error; waits for the
// copy unless nonBlocking. No kernel, so no dtype conversion: the caller converts mixed dtypes on
// the host (shim-functions.cc CopyConverting).
int CudaCopyStrided(const StridedSide& dst, const StridedSide& src, const std::vector<int64_t>& sizes,
                    size_t elementSize, int deviceIndex, bool nonBlocking);
StridedCopyPath LastStridedCopyPath();

void* CurrentStream(int deviceIndex);
// Makes `stream` current on this thread for `deviceIndex` (and that device current); returns the
// previous stream, for the guard to restore.
void* ExchangeStream(int deviceIndex, void* stream, int* previousDevice);
void RestoreStream(int deviceIndex, void* stream, int previousDevice);

}  // namespace aotihub::shim
