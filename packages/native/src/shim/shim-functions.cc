// The aoti_torch_* C shim a model compiled with aot_inductor.link_libtorch=False leaves undefined
// (torch/csrc/inductor/aoti_torch/c/shim.h, signatures declared by hand; no torch header or code).
// Exported from the addon with default visibility; the standalone runtime makes them global before
// a model is dlopened. Every function validates its handles and returns 1 (never crashes) on misuse.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "dtype-convert.h"
#include "shim-cuda.h"
#include "shim-tensor.h"

using aotihub::shim::Fail;
using aotihub::shim::Lookup;
using aotihub::shim::Register;
using aotihub::shim::Storage;
using aotihub::shim::Tensor;
namespace code = aotihub::shim::code;

using AtenTensorHandle = void*;
using Err = int32_t;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// Runs `body`, turning any exception into the shim's error code (libtorch's shim does the same).
template <typename Fn>
Err Guarded(const char* name, Fn body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(std::string(name) + ": out of memory");
  } catch (const std::exception& e) {
    return Fail(std::string(name) + ": " + e.what());
  } catch (...) {
    return Fail(std::string(name) + ": unknown failure");
  }
}

Tensor* Need(void* handle, const char* name) {
  Tensor* t = Lookup(handle);
  if (t == nullptr) throw std::invalid_argument(std::string("not a live tensor handle (") + name + ")");
  return t;
}

template <typename T>
void NeedOut(T* out) {
  if (out == nullptr) throw std::invalid_argument("null output pointer");
}

void CheckView(int64_t ndim, const int64_t* sizes, const int64_t* strides, int32_t dtype) {
  if (ndim < 0 || (ndim > 0 && (sizes == nullptr || strides == nullptr)))
    throw std::invalid_argument("bad ndim/sizes/strides");
  for (int64_t i = 0; i < ndim; i++)
    if (sizes[i] < 0 || strides[i] < 0) throw std::invalid_argument("negative size or stride");
  if (aotihub::shim::ElementSize(dtype) == 0) throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
}

void CheckDevice(int32_t deviceType, int32_t deviceIndex) {
  if (deviceType == code::kCpu) return;
  if (deviceType != code::kCuda || deviceIndex < 0)
    throw std::invalid_argument("unsupported device " + std::to_string(deviceType) + ":" + std::to_string(deviceIndex));
  if (!aotihub::shim::CudaRuntimeLoaded()) throw std::runtime_error("a CUDA tensor, but the CUDA runtime is not loaded");
}

std::unique_ptr<Tensor> NewEmpty(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
                                 int32_t dtype, int32_t deviceType, int32_t deviceIndex) {
  const size_t nbytes = aotihub::shim::StorageBytes(sizes, strides, aotihub::shim::ElementSize(dtype), 0);
  auto t = std::make_unique<Tensor>();
  if (deviceType == code::kCuda) {
    auto storage = std::make_shared<Storage>();
    storage->deviceType = code::kCuda;
    storage->deviceIndex = deviceIndex;
    storage->nbytes = nbytes;
    storage->owned = true;
    storage->data = aotihub::shim::CudaAllocate(nbytes, deviceIndex, &storage->stream);
    t->storage = std::move(storage);
  } else {
    t->storage = aotihub::shim::AllocateCpu(nbytes);
  }
  t->sizes = sizes;
  t->strides = strides;
  t->dtype = dtype;
  return t;
}

// Element-by-element copy between two CPU views of one shape and dtype (any strides).
void CopyStridedCpu(const Tensor& dst, const Tensor& src) {
  const size_t elem = aotihub::shim::ElementSize(dst.dtype);
  const int64_t n = dst.numel();
  if (n == 0) return;
  auto* out = static_cast<uint8_t*>(dst.data());
  const auto* in = static_cast<const uint8_t*>(src.data());
  if (dst.contiguous() && src.contiguous()) {
    std::memmove(out, in, static_cast<size_t>(n) * elem);
    return;
  }
  const size_t dims = dst.sizes.size();
  std::vector<int64_t> index(dims, 0);
  for (int64_t k = 0; k < n; k++) {
    int64_t o = 0, i = 0;
    for (size_t d = 0; d < dims; d++) {
      o += index[d] * dst.strides[d];
      i += index[d] * src.strides[d];
    }
    std::memcpy(out + o * static_cast<int64_t>(elem), in + i * static_cast<int64_t>(elem), elem);
    for (size_t d = dims; d-- > 0;) {
      if (++index[d] < dst.sizes[d]) break;
      index[d] = 0;
    }
  }
}

void CopyConverting(const Tensor& dst, const Tensor& src);

void CopyInto(const Tensor& dst, const Tensor& src, bool nonBlocking) {
  if (dst.sizes != src.sizes) throw std::invalid_argument("copy_ between tensors of different shapes");
  if (dst.dtype != src.dtype) return CopyConverting(dst, src);
  const bool cuda = dst.storage->deviceType == code::kCuda || src.storage->deviceType == code::kCuda;
  if (!cuda) return CopyStridedCpu(dst, src);
  // Any strides, either side on the device: 2D copies (or host staging) in shim-cuda.cc; no kernel.
  const int device = dst.storage->deviceType == code::kCuda ? dst.storage->deviceIndex : src.storage->deviceIndex;
  const int rc = aotihub::shim::CudaCopyStrided({dst.data(), dst.strides, dst.storage->deviceType == code::kCuda},
                                                {src.data(), src.strides, src.storage->deviceType == code::kCuda},
                                                dst.sizes, aotihub::shim::ElementSize(dst.dtype), device, nonBlocking);
  if (rc != 0) throw std::runtime_error("CUDA copy failed with CUDA error " + std::to_string(rc));
}

// copy_ between dtypes: a conversion needs a kernel, and the addon carries no device code (it is
// built without nvcc). No compiled model we have read calls copy_ at all (the symbol tables in
// docs/standalone-runtime.md); the runtime's own copies keep the dtype. So this is the correct slow
// path, not a fast one: both sides go through dense host buffers (a device side is read or written
// with the same strided copies as above, synchronously, whatever nonBlocking says), and the host
// converts element by element as c10 does (dtype-convert.cc).
void CopyConverting(const Tensor& dst, const Tensor& src) {
  if (!aotihub::shim::CanConvert(dst.dtype, src.dtype))
    throw std::invalid_argument("copy_ from dtype " + std::to_string(src.dtype) + " to " + std::to_string(dst.dtype) +
                                " is not supported by this runtime");
  const auto dense = aotihub::shim::ContiguousStrides(src.sizes);
  auto srcHost = NewEmpty(src.sizes, dense, src.dtype, code::kCpu, 0);
  CopyInto(*srcHost, src, false);
  auto dstHost = NewEmpty(dst.sizes, dense, dst.dtype, code::kCpu, 0);
  aotihub::shim::ConvertElements(dstHost->data(), dst.dtype, srcHost->data(), src.dtype, src.numel());
  CopyInto(dst, *dstHost, false);
}

thread_local bool t_gradEnabled = true;  // c10::GradMode's default

struct StreamGuard {
  int deviceIndex;
  void* previousStream;
  int previousDevice;
};

// Live stream guards, so a stale or foreign guard is refused like a stale tensor handle.
std::mutex g_guardsMutex;
std::unordered_set<void*>& Guards() {
  static auto* guards = new std::unordered_set<void*>();
  return *guards;
}

}  // namespace

// ---- codes (c10's values) ----
SHIM_EXPORT int32_t aoti_torch_device_type_cpu() { return code::kCpu; }
SHIM_EXPORT int32_t aoti_torch_device_type_cuda() { return code::kCuda; }
SHIM_EXPORT int32_t aoti_torch_layout_strided() { return code::kStrided; }
SHIM_EXPORT int32_t aoti_torch_dtype_uint8() { return code::kUInt8; }
SHIM_EXPORT int32_t aoti_torch_dtype_int8() { return code::kInt8; }
SHIM_EXPORT int32_t aoti_torch_dtype_int16() { return code::kInt16; }
SHIM_EXPORT int32_t aoti_torch_dtype_int32() { return code::kInt32; }
SHIM_EXPORT int32_t aoti_torch_dtype_int64() { return code::kInt64; }
SHIM_EXPORT int32_t aoti_torch_dtype_float16() { return code::kFloat16; }
SHIM_EXPORT int32_t aoti_torch_dtype_float32() { return code::kFloat32; }
SHIM_EXPORT int32_t aoti_torch_dtype_float64() { return code::kFloat64; }
SHIM_EXPORT int32_t aoti_torch_dtype_bool() { return code::kBool; }
SHIM_EXPORT int32_t aoti_torch_dtype_bfloat16() { return code::kBFloat16; }
SHIM_EXPORT int32_t aoti_torch_dtype_float8_e5m2() { return code::kFloat8E5M2; }
SHIM_EXPORT int32_t aoti_torch_dtype_float8_e4m3fn() { return code::kFloat8E4M3FN; }

// ---- grad mode, diagnostics ----
SHIM_EXPORT bool aoti_torch_grad_mode_is_enabled() { return t_gradEnabled; }
SHIM_EXPORT void aoti_torch_grad_mode_set_enabled(bool enabled) { t_gradEnabled = enabled; }

SHIM_EXPORT void aoti_torch_warn(const char* func, const char* file, uint32_t line, const char* msg) {
  std::fprintf(stderr, "[aotihub shim] warning in %s (%s:%u): %s\n", func ? func : "?", file ? file : "?", line,
               msg ? msg : "");
}

// libtorch's version throws c10::Error; the model's run catches std::exception and returns failure.
SHIM_EXPORT void aoti_torch_check(bool cond, const char* func, const char* file, uint32_t line, const char* msg) {
  if (cond) return;
  throw std::runtime_error(std::string("check failed in ") + (func ? func : "?") + " (" + (file ? file : "?") + ":" +
                           std::to_string(line) + "): " + (msg ? msg : ""));
}

// ---- creation ----
SHIM_EXPORT Err aoti_torch_empty_strided(int64_t ndim, const int64_t* sizes, const int64_t* strides, int32_t dtype,
                                         int32_t deviceType, int32_t deviceIndex, AtenTensorHandle* ret) {
  return Guarded("aoti_torch_empty_strided", [&] {
    NeedOut(ret);
    CheckView(ndim, sizes, strides, dtype);
    CheckDevice(deviceType, deviceIndex);
    *ret = Register(NewEmpty({sizes, sizes + ndim}, {strides, strides + ndim}, dtype, deviceType, deviceIndex));
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_create_tensor_from_blob(void* data, int64_t ndim, const int64_t* sizes,
                                                   const int64_t* strides, int64_t storageOffset, int32_t dtype,
                                                   int32_t deviceType, int32_t deviceIndex, AtenTensorHandle* ret) {
  return Guarded("aoti_torch_create_tensor_from_blob", [&] {
    NeedOut(ret);
    CheckView(ndim, sizes, strides, dtype);
    CheckDevice(deviceType, deviceIndex);
    if (storageOffset < 0) throw std::invalid_argument("negative storage offset");
    std::vector<int64_t> sz(sizes, sizes + ndim), st(strides, strides + ndim);
    // As libtorch does: no memory given means allocate it.
    if (data == nullptr) {
      *ret = Register(NewEmpty(sz, st, dtype, deviceType, deviceIndex));
      return 0;
    }
    auto t = std::make_unique<Tensor>();
    t->storage = std::make_shared<Storage>();
    t->storage->data = data;  // borrowed: the caller keeps it alive
    t->storage->nbytes = aotihub::shim::StorageBytes(sz, st, aotihub::shim::ElementSize(dtype), storageOffset);
    t->storage->deviceType = deviceType;
    t->storage->deviceIndex = deviceIndex;
    t->sizes = std::move(sz);
    t->strides = std::move(st);
    t->storageOffset = storageOffset;
    t->dtype = dtype;
    *ret = Register(std::move(t));
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_create_tensor_from_blob_v2(void* data, int64_t ndim, const int64_t* sizes,
                                                      const int64_t* strides, int64_t storageOffset, int32_t dtype,
                                                      int32_t deviceType, int32_t deviceIndex, AtenTensorHandle* ret,
                                                      int32_t layout, const uint8_t*, int64_t) {
  if (layout != code::kStrided)
    return Fail("aoti_torch_create_tensor_from_blob_v2: only the strided layout is supported, got " +
                std::to_string(layout));
  return aoti_torch_create_tensor_from_blob(data, ndim, sizes, strides, storageOffset, dtype, deviceType, deviceIndex,
                                            ret);
}

// ---- handles and views ----
SHIM_EXPORT Err aoti_torch_delete_tensor_object(AtenTensorHandle tensor) {
  return Guarded("aoti_torch_delete_tensor_object", [&] {
    if (!aotihub::shim::Unregister(tensor)) throw std::invalid_argument("not a live tensor handle");
    delete static_cast<Tensor*>(tensor);
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_new_tensor_handle(AtenTensorHandle orig, AtenTensorHandle* ret) {
  return Guarded("aoti_torch_new_tensor_handle", [&] {
    NeedOut(ret);
    *ret = Register(std::make_unique<Tensor>(*Need(orig, "orig_handle")));
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch__reinterpret_tensor(AtenTensorHandle self, int64_t ndim, const int64_t* sizes,
                                               const int64_t* strides, int64_t offsetIncrement,
                                               AtenTensorHandle* ret) {
  return Guarded("aoti_torch__reinterpret_tensor", [&] {
    NeedOut(ret);
    const Tensor* base = Need(self, "self");
    CheckView(ndim, sizes, strides, base->dtype);
    auto t = std::make_unique<Tensor>(*base);
    t->sizes.assign(sizes, sizes + ndim);
    t->strides.assign(strides, strides + ndim);
    t->storageOffset = base->storageOffset + offsetIncrement;  // an increment, as torch's op defines it
    if (t->storageOffset < 0) throw std::invalid_argument("the view starts before its storage");
    const size_t need =
        aotihub::shim::StorageBytes(t->sizes, t->strides, aotihub::shim::ElementSize(t->dtype), t->storageOffset);
    if (need > t->storage->nbytes) throw std::invalid_argument("the view reaches past its storage");
    *ret = Register(std::move(t));
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_clone(AtenTensorHandle self, AtenTensorHandle* ret) {
  return Guarded("aoti_torch_clone", [&] {
    NeedOut(ret);
    const Tensor* src = Need(self, "self");
    // torch.clone(memory_format=preserve): dense layouts keep their strides, others become contiguous.
    const auto strides = src->denseNonOverlapping() ? src->strides : aotihub::shim::ContiguousStrides(src->sizes);
    auto t = NewEmpty(src->sizes, strides, src->dtype, src->storage->deviceType, src->storage->deviceIndex);
    CopyInto(*t, *src, false);
    *ret = Register(std::move(t));
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_clone_preserve_strides(AtenTensorHandle self, AtenTensorHandle* ret) {
  return Guarded("aoti_torch_clone_preserve_strides", [&] {
    NeedOut(ret);
    const Tensor* src = Need(self, "self");
    auto t = NewEmpty(src->sizes, src->strides, src->dtype, src->storage->deviceType, src->storage->deviceIndex);
    CopyInto(*t, *src, false);
    *ret = Register(std::move(t));
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_copy_(AtenTensorHandle self, AtenTensorHandle src, int32_t nonBlocking) {
  return Guarded("aoti_torch_copy_", [&] {
    CopyInto(*Need(self, "self"), *Need(src, "src"), nonBlocking != 0);
    return 0;
  });
}

// ---- accessors (borrowed pointers live as long as the handle) ----
#define SHIM_GETTER(NAME, TYPE, EXPR)                           \
  SHIM_EXPORT Err NAME(AtenTensorHandle tensor, TYPE* ret) {    \
    return Guarded(#NAME, [&] {                                 \
      NeedOut(ret);                                             \
      Tensor* t = Need(tensor, "tensor");                       \
      *ret = (EXPR);                                            \
      return 0;                                                 \
    });                                                         \
  }

SHIM_GETTER(aoti_torch_get_data_ptr, void*, t->data())
SHIM_GETTER(aoti_torch_get_sizes, int64_t*, t->sizes.data())
SHIM_GETTER(aoti_torch_get_strides, int64_t*, t->strides.data())
SHIM_GETTER(aoti_torch_get_dim, int64_t, static_cast<int64_t>(t->sizes.size()))
SHIM_GETTER(aoti_torch_get_numel, int64_t, t->numel())
SHIM_GETTER(aoti_torch_get_dtype, int32_t, t->dtype)
SHIM_GETTER(aoti_torch_get_device_type, int32_t, t->storage->deviceType)
SHIM_GETTER(aoti_torch_get_device_index, int32_t, t->storage->deviceType == code::kCpu ? -1 : t->storage->deviceIndex)
SHIM_GETTER(aoti_torch_get_storage_offset, int64_t, t->storageOffset)
SHIM_GETTER(aoti_torch_get_storage_size, int64_t, static_cast<int64_t>(t->storage->nbytes))

// ---- CUDA streams ----
SHIM_EXPORT Err aoti_torch_create_cuda_stream_guard(void* stream, int32_t deviceIndex, void** ret) {
  return Guarded("aoti_torch_create_cuda_stream_guard", [&] {
    NeedOut(ret);
    auto* guard = new StreamGuard{deviceIndex, nullptr, -1};
    try {
      guard->previousStream = aotihub::shim::ExchangeStream(deviceIndex, stream, &guard->previousDevice);
    } catch (...) {
      delete guard;
      throw;
    }
    std::lock_guard<std::mutex> lock(g_guardsMutex);
    Guards().insert(guard);
    *ret = guard;
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_delete_cuda_stream_guard(void* guard) {
  return Guarded("aoti_torch_delete_cuda_stream_guard", [&] {
    {
      std::lock_guard<std::mutex> lock(g_guardsMutex);
      if (Guards().erase(guard) != 1) throw std::invalid_argument("not a live stream guard");
    }
    auto* g = static_cast<StreamGuard*>(guard);
    aotihub::shim::RestoreStream(g->deviceIndex, g->previousStream, g->previousDevice);
    delete g;
    return 0;
  });
}

SHIM_EXPORT Err aoti_torch_get_current_cuda_stream(int32_t deviceIndex, void** ret) {
  return Guarded("aoti_torch_get_current_cuda_stream", [&] {
    NeedOut(ret);
    *ret = aotihub::shim::CurrentStream(deviceIndex);
    return 0;
  });
}

// ---- for a host without Node (the tests' C++ probes): what the standalone backend does from JS ----
// Loads libcudart (a path, or null for libcudart.so.13 / .so.12 by soname); 0 or 1 (message on stderr).
SHIM_EXPORT Err aotihub_shim_load_cuda_runtime(const char* path) {
  return Guarded("aotihub_shim_load_cuda_runtime", [&] {
    aotihub::shim::LoadCudaRuntime(path == nullptr ? "" : path);
    return 0;
  });
}
// How this thread's last CUDA strided copy went: 0 one dense copy, 1 2D copies, 2 staged through the host.
SHIM_EXPORT int32_t aotihub_shim_last_strided_copy_path() {
  return static_cast<int32_t>(aotihub::shim::LastStridedCopyPath());
}
