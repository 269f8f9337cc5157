// JS surface of the runtime: flat functions over handles. The TS adapter (lib/binding.ts) has
// validated every argument; these read plain objects with small accessors and queue the work.
#include "runtime-bindings.h"

#include "../backend/libtorch-backend.h"
#include "../backend/standalone-backend.h"
#include "../common/boxed.h"
#include "../common/join-at-exit.h"
#include "../common/promise-worker.h"
#include <chrono>
#include <cstring>

#include "run-thread.h"
#include "run-trace.h"
#include "device-tensor.h"
#include "../kernels/kernel-bindings.h"
#include "model-container.h"
#include "omp-single-thread-scope.h"
#include "run-completions.h"
#include "weight-store.h"
#include "cuda-prewarm.h"

namespace aotihub {

namespace {

std::string GetString(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::String>(); }
double GetNumber(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().DoubleValue(); }

std::vector<int64_t> GetShape(const Napi::Object& o) {
  auto value = o.Get("shape");
  if (!value.IsArray()) throw NativeError("NATIVE_INPUT", "a tensor's shape is not an array");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    auto d = array.Get(i);
    if (!d.IsNumber()) throw NativeError("NATIVE_INPUT", "a tensor's shape holds a non-number");
    const double v = d.As<Napi::Number>().DoubleValue();
    if (!(v >= 0 && v <= 9007199254740991.0) || v != static_cast<double>(static_cast<int64_t>(v)))
      throw NativeError("NATIVE_INPUT", "a tensor's shape holds " + std::to_string(v));
    shape[i] = static_cast<int64_t>(v);
  }
  return shape;
}

// numel x element size, refusing shapes whose byte size does not fit in 64 bits.
size_t ShapeBytes(const std::vector<int64_t>& shape, DType dtype) {
  unsigned __int128 n = DTypeSize(dtype);
  for (int64_t d : shape) {
    n *= static_cast<uint64_t>(d);
    if (n > (static_cast<unsigned __int128>(1) << 62)) throw NativeError("NATIVE_INPUT", "a tensor's shape is too large");
  }
  return static_cast<size_t>(n);
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); i++) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// Everything a run reads, taken now on the JS thread: native dtype and shape, and a copy of the host
// bytes into the container's buffers. A device tensor is checked against what it natively is.
std::vector<RunInput> CaptureInputs(ModelContainer& container, const Napi::Value& value,
                                    std::vector<std::shared_ptr<DeviceTensor>>* keep = nullptr) {
  if (!value.IsArray()) throw NativeError("NATIVE_INPUT", "inputs are not an array");
  auto array = value.As<Napi::Array>();
  std::vector<RunInput> inputs;
  inputs.reserve(array.Length());
  const DeviceRef target = container.device();
  for (uint32_t i = 0; i < array.Length(); i++) {
    // Named only when an error needs it: building the string cost more than the rest of a capture.
    auto which = [i] { return "input " + std::to_string(i); };
    auto element = array.Get(i);
    if (!element.IsObject()) throw NativeError("NATIVE_INPUT", which() + " is not a tensor");
    auto t = element.As<Napi::Object>();
    RunInput input;
    input.dtype = DTypeFromName(GetString(t, "dtype"));
    input.shape = GetShape(t);
    input.bytes = ShapeBytes(input.shape, input.dtype);
    auto device = t.Get("device");
    if (device.IsExternal()) {
      input.device = Unbox<DeviceTensor>(device, "device tensor");
      const DeviceTensor& dt = *input.device;
      if (!target.cuda || dt.deviceIndex != target.index)
        throw NativeError("NATIVE_WRONG_DEVICE", which() + " lives on cuda:" + std::to_string(dt.deviceIndex) +
                                                     ", the model on " +
                                                     (target.cuda ? "cuda:" + std::to_string(target.index) : "cpu"));
      if (dt.dtype != input.dtype || dt.shape != input.shape)
        throw NativeError("NATIVE_INPUT", which() + " is a device tensor " + DTypeName(dt.dtype) + ShapeText(dt.shape) +
                                              ", passed as " + DTypeName(input.dtype) + ShapeText(input.shape));
      if (keep != nullptr) keep->push_back(input.device);
      inputs.push_back(std::move(input));
      continue;
    }
    auto data = t.Get("data");
    if (!data.IsTypedArray()) throw NativeError("NATIVE_INPUT", which() + " has no TypedArray data");
    auto view = data.As<Napi::TypedArray>();
    // A detached buffer, or a resizable one shrunk under the view, reads as zero bytes here.
    const size_t have = view.ByteLength();
    if (have != input.bytes)
      throw NativeError("NATIVE_INPUT", which() + " holds " + std::to_string(have) + " bytes, " +
                                            DTypeName(input.dtype) + ShapeText(input.shape) + " needs " +
                                            std::to_string(input.bytes) +
                                            " (was its buffer detached, resized or unmapped?)");
    input.host = container.inputPool().Acquire(input.bytes);
    if (input.bytes > 0) {
      const auto* base = static_cast<const uint8_t*>(view.ArrayBuffer().Data());
      if (base == nullptr) throw NativeError("NATIVE_INPUT", which() + "'s buffer is detached");
      std::memcpy(input.host.get(), base + view.ByteOffset(), input.bytes);
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

// Below this an output is copied into a plain ArrayBuffer: an external buffer's finalizer and its
// GC bookkeeping cost more than copying a few KiB, and the pool buffer comes back at once.
constexpr size_t kExternalOutputBytes = 64 * 1024;

// An ArrayBuffer over a native buffer JS then owns (no copy) for large outputs; a copy for small
// ones and where external buffers are refused (runtimes with a memory sandbox).
Napi::ArrayBuffer ToArrayBuffer(Napi::Env env, const std::shared_ptr<uint8_t>& data, size_t bytes) {
  if (bytes == 0 || !data) return Napi::ArrayBuffer::New(env, 0);
  if (bytes < kExternalOutputBytes) {
    auto buffer = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(buffer.Data(), data.get(), bytes);
    return buffer;
  }
  try {
    return Napi::ArrayBuffer::New(
        env, data.get(), bytes, [](Napi::Env, void*, std::shared_ptr<uint8_t>* share) { delete share; },
        new std::shared_ptr<uint8_t>(data));
  } catch (const Napi::Error&) {
    auto buffer = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(buffer.Data(), data.get(), bytes);
    return buffer;
  }
}

Napi::Array ShapeToJs(Napi::Env env, const std::vector<int64_t>& shape) {
  auto array = Napi::Array::New(env, shape.size());
  for (size_t j = 0; j < shape.size(); j++) array.Set(static_cast<uint32_t>(j), static_cast<double>(shape[j]));
  return array;
}

Napi::Object DeviceTensorToJs(Napi::Env env, const std::shared_ptr<DeviceTensor>& dt) {
  auto o = Napi::Object::New(env);
  o.Set("dtype", DTypeName(dt->dtype));
  o.Set("shape", ShapeToJs(env, dt->shape));
  o.Set("deviceIndex", dt->deviceIndex);
  o.Set("device", Box(env, dt));
  return o;
}

// The TypedArray kind that holds a dtype's elements (lib/tensor/dtypes.ts, DTYPES[...].typedArray:
// raw bits for the float types JS lacks).
napi_typedarray_type ArrayKindOf(DType dtype) {
  switch (dtype) {
    case DType::F32: return napi_float32_array;
    case DType::F16:
    case DType::BF16: return napi_uint16_array;
    case DType::I64: return napi_bigint64_array;
    case DType::I32: return napi_int32_array;
    case DType::I8: return napi_int8_array;
    default: return napi_uint8_array;  // fp8, uint8, bool
  }
}

// Caller-supplied arrays for host outputs (run's `out` option): null where an output gets a new
// ArrayBuffer. Every one is checked before any is written (kind, byte length, not detached), on the
// JS thread, at the moment of the copy: nothing the caller did to them while the run was queued
// can make the copy write outside them.
std::vector<Napi::TypedArray> OutputTargets(const Napi::Value& out, const std::vector<RunOutput>& results) {
  std::vector<Napi::TypedArray> targets(results.size());
  if (!out.IsArray()) return targets;
  auto array = out.As<Napi::Array>();
  if (array.Length() != results.size())
    throw NativeError("NATIVE_OUTPUT", std::to_string(array.Length()) + " output arrays for " +
                                           std::to_string(results.size()) + " outputs");
  for (uint32_t i = 0; i < array.Length(); i++) {
    auto element = array.Get(i);
    if (element.IsUndefined() || element.IsNull()) continue;
    const RunOutput& r = results[i];
    // Messages built only on a misfit (strings per call cost more than the checks).
    auto which = [i] { return "output " + std::to_string(i); };
    if (r.device)
      throw NativeError("NATIVE_OUTPUT", which() + " stays on cuda:" + std::to_string(r.device->deviceIndex) +
                                             " (keepOnDevice), a host array cannot take it");
    if (!element.IsTypedArray()) throw NativeError("NATIVE_OUTPUT", which() + "'s array is not a TypedArray");
    auto view = element.As<Napi::TypedArray>();
    const DType dtype = static_cast<DType>(r.dtype);
    auto needs = [&] { return which() + " is " + DTypeName(dtype) + ShapeText(r.shape) + " needs "; };
    if (view.TypedArrayType() != ArrayKindOf(dtype))
      throw NativeError("NATIVE_OUTPUT", needs() + "the dtype's own array type, got another kind");
    if (view.ByteLength() != r.bytes || (r.bytes > 0 && view.ArrayBuffer().Data() == nullptr))
      throw NativeError("NATIVE_OUTPUT", needs() + std::to_string(r.bytes) + " bytes, its array holds " +
                                             std::to_string(view.ByteLength()) +
                                             " (was its buffer detached or resized?)");
    targets[i] = view;
  }
  return targets;
}

// `out` (optional): the caller's arrays for host outputs; each filled one is returned as `data`.
Napi::Array OutputsToJs(Napi::Env env, std::vector<RunOutput>& results, const Napi::Value& out = Napi::Value()) {
  const std::vector<Napi::TypedArray> targets =
      out.IsEmpty() ? std::vector<Napi::TypedArray>(results.size()) : OutputTargets(out, results);
  auto array = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); i++) {
    RunOutput& r = results[i];
    if (r.device) {
      array.Set(static_cast<uint32_t>(i), DeviceTensorToJs(env, r.device));
      continue;
    }
    auto o = Napi::Object::New(env);
    o.Set("dtype", DTypeName(static_cast<DType>(r.dtype)));
    o.Set("shape", ShapeToJs(env, r.shape));
    if (!targets[i].IsEmpty()) {
      const Napi::TypedArray& view = targets[i];
      if (r.bytes > 0)
        std::memcpy(static_cast<uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset(), r.host.get(), r.bytes);
      o.Set("data", view);
    } else {
      o.Set("buffer", ToArrayBuffer(env, r.host, r.bytes));
    }
    array.Set(static_cast<uint32_t>(i), o);
  }
  return array;
}

DeviceRef GetDevice(const Napi::Object& o) {
  DeviceRef device;
  device.cuda = o.Get("cuda").ToBoolean();
  device.index = static_cast<int>(GetNumber(o, "deviceIndex"));
  return device;
}

template <typename Fn>
auto Guard(Napi::Env env, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const NativeError& e) {
    throw ToJsError(env, e.code(), e.what());
  } catch (const std::exception& e) {
    throw ToJsError(env, "NATIVE_FAILURE", e.what());
  }
}

// loadTorch(libDir, cuda, prewarm?): prewarm { cudart, cublas?, cublasLt?, device } starts the CUDA
// runtime, the device's context and cuBLAS on their own thread (cuda-prewarm.h) before the worker
// dlopens libtorch, so the two overlap. Steady-clock stamps come back for the load's stage table.
void StartCudaPrewarmFromJs(const Napi::Value& value) {
  if (!value.IsObject()) return;
  auto p = value.As<Napi::Object>();
  auto str = [&](const char* key) {
    return p.Get(key).IsString() ? p.Get(key).As<Napi::String>().Utf8Value() : std::string();
  };
  CudaPrewarmSpec spec{str("cudart"), str("cublas"), str("cublasLt"),
                       p.Get("device").IsNumber() ? p.Get("device").As<Napi::Number>().Int32Value() : 0};
  StartCudaPrewarm(spec);
}

// preloadTorch(libDir, cuda, prewarm?): starts, without waiting, the CUDA prewarm (as loadTorch
// does) and libtorch's dlopens (RTLD_LOCAL, on their own thread: StartLibtorchPreload), so that
// they run while the loader still resolves, fetches and checks. loadTorch joins them. Returns
// whether a preload started (false: one ran, or libtorch is loaded already).
// A process that exits while libtorch's static initialisers run on the preload thread can abort:
// exit destroys the singletons they register into (seen on the CPU machine, a process ending right
// after `--import cuda-early` started the preload: "Tried to register multiple backend fallbacks").
// The process's exit waits for the preload instead, as it waits for the early driver start.
Napi::Value PreloadTorch(const Napi::CallbackInfo& info) {
  const std::string libDir = info[0].As<Napi::String>();
  const bool cuda = info[1].ToBoolean();
  if (cuda && info.Length() > 2) StartCudaPrewarmFromJs(info[2]);
  const bool started = StartLibtorchPreload(libDir, cuda);
  if (started) JoinAtProcessExit(info.Env(), JoinLibtorchPreload);
  return Napi::Boolean::New(info.Env(), started);
}

// The preload's record: { ran, from, to, joinWaitMs, cuda, error } (steady-clock ms; 0: not reached).
Napi::Object PreloadTimesToJs(Napi::Env env, const LibtorchPreloadTimes& t) {
  auto o = Napi::Object::New(env);
  o.Set("ran", t.ran);
  o.Set("from", t.from);
  o.Set("to", t.to);
  o.Set("joinWaitMs", t.joinWaitMs);
  o.Set("cuda", t.cuda);
  o.Set("error", t.error);
  return o;
}

// libtorchPreloadTimes(): the record so far, without waiting.
Napi::Value LibtorchPreloadTimesJs(const Napi::CallbackInfo& info) {
  return PreloadTimesToJs(info.Env(), LibtorchPreloadSnapshot());
}

// preloadCudaRuntime(prewarm): the standalone runtime's early start on CUDA: libcudart and the
// device's context on the prewarm thread (no cuBLAS: standalone builds never call it).
Napi::Value PreloadCudaRuntime(const Napi::CallbackInfo& info) {
  StartCudaPrewarmFromJs(info[0]);
  return info.Env().Undefined();
}

Napi::Value LoadTorch(const Napi::CallbackInfo& info) {
  const std::string libDir = info[0].As<Napi::String>();
  const bool cuda = info[1].ToBoolean();
  if (cuda && info.Length() > 2) StartCudaPrewarmFromJs(info[2]);
  auto result = std::make_shared<TorchLoadResult>();
  auto stamps = std::make_shared<std::pair<double, double>>();
  auto cudartCopies = std::make_shared<int>(0);
  return PromiseWorker::Start(
      info.Env(),
      [=] {
        WaitCudaPrewarmRuntime();  // ~1 ms; returns at once without a prewarm
        stamps->first = MonotonicMs();
        *result = LoadLibtorch(libDir, cuda);
        stamps->second = MonotonicMs();
        *cudartCopies = LoadedLibraryCount("libcudart");
      },
      [result, stamps, cudartCopies](Napi::Env env) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("loadMs", result->loadMs);
        o.Set("cuda", result->cuda);
        o.Set("libDir", result->libDir);
        o.Set("loadFrom", stamps->first);
        o.Set("loadedAt", stamps->second);
        o.Set("cudartCopies", *cudartCopies);
        if (result->joinedPreload) o.Set("preload", PreloadTimesToJs(env, LibtorchPreloadSnapshot()));
        return o;
      });
}

// The prewarm's stamps so far (steady-clock ms; 0: step not run), without waiting.
Napi::Value CudaPrewarmTimesJs(const Napi::CallbackInfo& info) {
  const CudaPrewarmTimes t = CudaPrewarmSnapshot();
  auto o = Napi::Object::New(info.Env());
  o.Set("start", t.start);
  o.Set("cudartLoaded", t.cudartLoaded);
  o.Set("driverReady", t.driverReady);
  o.Set("contextReady", t.contextReady);
  o.Set("runtimeInitialized", t.runtimeInitialized);
  o.Set("stagingPinned", t.stagingPinned);
  o.Set("cublasLtReady", t.cublasLtReady);
  o.Set("cublasReady", t.cublasReady);
  o.Set("contextWaitMs", t.contextWaitMs);
  o.Set("joinWaitMs", t.joinWaitMs);
  o.Set("error", t.error);
  o.Set("now", MonotonicMs());
  return o;
}

// Resolves once the prewarm thread (if any) has finished (off the event loop).
Napi::Value JoinCudaPrewarmJs(const Napi::CallbackInfo& info) {
  return PromiseWorker::Start(
      info.Env(), [] { JoinCudaPrewarm(); }, [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// The standalone runtime (no libtorch): the addon's own shim made global, libcudart for CUDA.
Napi::Value LoadStandaloneRuntime(const Napi::CallbackInfo& info) {
  const bool cuda = info[0].ToBoolean();
  const std::string cudaRuntime = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  auto result = std::make_shared<StandaloneLoadResult>();
  return PromiseWorker::Start(
      info.Env(), [=] { *result = LoadStandalone(cuda, cudaRuntime); },
      [result](Napi::Env env) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("loadMs", result->loadMs);
        o.Set("cuda", result->cuda);
        o.Set("cudaRuntime", result->cudaRuntime);
        return o;
      });
}

Napi::Value AddonPathJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value { return Napi::String::New(info.Env(), AddonPath()); });
}

Napi::Value CreateWeightStore(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto spec = info[0].As<Napi::Object>();
  std::vector<WeightFileSpec> files;
  DeviceRef device;
  Guard(env, [&] {
    device = GetDevice(spec);
    auto array = spec.Get("files").As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); i++) {
      auto f = array.Get(i).As<Napi::Object>();
      WeightFileSpec file{GetString(f, "path"), {}};
      auto tensors = f.Get("tensors").As<Napi::Array>();
      for (uint32_t j = 0; j < tensors.Length(); j++) {
        auto t = tensors.Get(j).As<Napi::Object>();
        file.tensors.push_back({GetString(t, "name"), DTypeFromName(GetString(t, "dtype")), GetShape(t),
                                static_cast<uint64_t>(GetNumber(t, "byteOffset")),
                                static_cast<uint64_t>(GetNumber(t, "byteLength"))});
      }
      files.push_back(std::move(file));
    }
    return 0;
  });
  auto store = std::make_shared<std::shared_ptr<WeightStore>>();
  return PromiseWorker::Start(
      env, [=] { *store = WeightStore::Build(files, device); },
      [store](Napi::Env env) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("handle", Box(env, *store));
        o.Set("bytes", (*store)->totalBytes());
        o.Set("uploadMs", (*store)->uploadMs());
        o.Set("zeroCopy", static_cast<double>((*store)->zeroCopyCount()));
        o.Set("count", static_cast<double>((*store)->tensors().size()));
        o.Set("uploadPath", (*store)->uploadPath());
        o.Set("builtFrom", (*store)->builtFrom());
        o.Set("builtAt", (*store)->builtAt());
        o.Set("contextWaitMs", (*store)->contextWaitMs());
        // Dropping the worker's share now leaves JS as the owner, so dispose() really frees.
        store->reset();
        return o;
      });
}

Napi::Value OpenContainer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto spec = info[0].As<Napi::Object>();
  std::string soPath, cubinDir;
  DeviceRef device;
  std::shared_ptr<WeightStore> store;
  std::shared_ptr<WeightStore> overrides;
  std::shared_ptr<DispatcherProxyExecutor> executor;
  Guard(env, [&] {
    executor = ExecutorFromJs(spec.Get("externNodes"));
    soPath = GetString(spec, "soPath");
    cubinDir = GetString(spec, "cubinDir");
    device = GetDevice(spec);
    store = Unbox<WeightStore>(spec.Get("store"), "weight store");
    if (spec.Get("overrides").IsExternal()) overrides = Unbox<WeightStore>(spec.Get("overrides"), "weight overrides");
    return 0;
  });
  auto out = std::make_shared<std::shared_ptr<ModelContainer>>();
  return PromiseWorker::Start(
      env, [=] { *out = ModelContainer::Open(soPath, cubinDir, device, store, overrides, executor); },
      [out](Napi::Env env) -> Napi::Value {
        auto& c = *out;
        auto o = Napi::Object::New(env);
        auto names = [&](const std::vector<std::string>& list) {
          auto a = Napi::Array::New(env, list.size());
          for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), list[i]);
          return a;
        };
        o.Set("inputNames", names(c->inputNames()));
        o.Set("outputNames", names(c->outputNames()));
        auto constants = Napi::Array::New(env, c->constants().size());
        for (size_t i = 0; i < c->constants().size(); i++) {
          const auto& k = c->constants()[i];
          auto e = Napi::Object::New(env);
          e.Set("name", k.name);
          e.Set("fqn", k.fqn);
          e.Set("folded", k.folded);
          e.Set("dataSize", static_cast<double>(k.dataSize));
          constants.Set(static_cast<uint32_t>(i), e);
        }
        o.Set("constants", constants);
        o.Set("handle", Box(env, c));
        out->reset();
        return o;
      });
}

// Microseconds since `start`: how long a model's run took (failed or not), for the inline-run policy.
double UsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

// A run on a run thread (run-thread.h): made on the JS thread, run there, settled back here. The
// container and the inputs die on the JS thread too (in Settle's owner), never on the run thread.
struct QueuedRun final : Completion {
  QueuedRun(Napi::Env env, std::shared_ptr<ModelContainer> c, std::vector<RunInput> in, bool keep,
            size_t* queuedCpu, const Napi::Value& outArrays)
      : deferred(Napi::Promise::Deferred::New(env)), container(std::move(c)), inputs(std::move(in)),
        keepOnDevice(keep), queuedCpuRuns(queuedCpu) {
    if (outArrays.IsArray()) out = Napi::Persistent(outArrays);
  }

  // Run thread.
  void Execute() noexcept {
    if (traced) stamps.Mark(RunStamps::kStarted);
    const auto start = std::chrono::steady_clock::now();
    try {
      results = container->Run(inputs, keepOnDevice, traced ? &stamps : nullptr);
    } catch (const NativeError& e) {
      code = e.code();
      message = e.what();
    } catch (const std::exception& e) {
      code = "NATIVE_FAILURE";
      message = e.what();
    } catch (...) {
      code = "NATIVE_FAILURE";
      message = "unknown native exception";
    }
    runUs = UsSince(start);
    if (traced) stamps.Mark(RunStamps::kFinished);
  }

  // JS thread: the same resolution and the same error shape as a PromiseWorker's.
  void Settle(Napi::Env env) override {
    if (traced) stamps.Mark(RunStamps::kSettleStart);
    if (queuedCpuRuns != nullptr) --*queuedCpuRuns;
    container->inlinePolicy().Record(runUs);
    if (!code.empty()) {
      deferred.Reject(ToJsError(env, code, message).Value());
      return;
    }
    try {
      deferred.Resolve(OutputsToJs(env, results, out.IsEmpty() ? Napi::Value() : out.Value()));
    } catch (const NativeError& e) {
      deferred.Reject(ToJsError(env, e.code(), e.what()).Value());
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred.Reject(ToJsError(env, "NATIVE_FAILURE", e.what()).Value());
    }
    if (traced) {
      stamps.Mark(RunStamps::kSettleEnd);
      RunTrace::Record(stamps);
    }
  }

  Napi::Promise::Deferred deferred;
  std::shared_ptr<ModelContainer> container;
  std::vector<RunInput> inputs;
  bool keepOnDevice;
  size_t* queuedCpuRuns;  // CPU runs: the environment's count of them in flight (JS thread only)
  Napi::Reference<Napi::Value> out;  // the caller's output arrays, if any (JS thread only)
  std::vector<RunOutput> results;
  double runUs = 0;
  std::string code;
  std::string message;
  bool traced = RunTrace::Enabled();
  RunStamps stamps;
};

// Libuv's pool instead of the GPU's run thread: only to measure what that hop costs (the per-call
// benchmark sets AOTIHUB_RUN_ON_POOL; nothing else should).
bool CudaRunsOnPool() {
  static const bool onPool = std::getenv("AOTIHUB_RUN_ON_POOL") != nullptr;
  return onPool;
}

// A run on the calling (JS) thread, outputs as JS values; native failures are thrown (Guard makes
// them JS errors). On the CPU its OpenMP regions use this thread alone (omp-single-thread-scope.h).
Napi::Value RunHere(Napi::Env env, ModelContainer& container, const std::vector<RunInput>& inputs,
                    bool keepOnDevice, const Napi::Value& out, RunStamps& stamps) {
  const bool traced = RunTrace::Enabled();
  if (traced) {
    stamps.Mark(RunStamps::kPosted);
    stamps.Mark(RunStamps::kStarted);
  }
  std::vector<RunOutput> results;
  {
    // A CPU run here uses one OpenMP thread, so the process keeps one team: the run thread's.
    OmpSingleThreadScope single(!container.device().cuda);
    const auto start = std::chrono::steady_clock::now();
    try {
      results = container.Run(inputs, keepOnDevice, traced ? &stamps : nullptr);
    } catch (...) {
      container.inlinePolicy().Record(UsSince(start));
      throw;
    }
    container.inlinePolicy().Record(UsSince(start));
  }
  if (!traced) return OutputsToJs(env, results, out);
  stamps.Mark(RunStamps::kFinished);
  stamps.Mark(RunStamps::kSettleStart);
  auto value = OutputsToJs(env, results, out);
  stamps.Mark(RunStamps::kSettleEnd);
  RunTrace::Record(stamps);
  return value;
}

// CPU runs go to the one CPU run thread, CUDA runs to their GPU's run thread (run-thread.h says why),
// and resolve a promise. A CPU variant whose recent runs were short runs here instead and returns its
// outputs themselves, not a promise (inline-run-policy.h); failures then throw.
Napi::Value RunContainer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  RunStamps entry;
  if (RunTrace::Enabled()) entry.Mark(RunStamps::kCalled);
  std::shared_ptr<ModelContainer> container;
  std::vector<RunInput> inputs;
  const bool keepOnDevice = info[2].ToBoolean();
  Guard(env, [&] {
    container = Unbox<ModelContainer>(info[0], "model variant");
    inputs = CaptureInputs(*container, info[1]);
    return 0;
  });
  const DeviceRef device = container->device();
  auto* completions = static_cast<RunCompletions*>(info.Data());
  if (!device.cuda && container->inlinePolicy().ShouldInline(completions->queuedCpuRuns()))
    return Guard(env, [&] { return RunHere(env, *container, inputs, keepOnDevice, info[3], entry); });
  if (device.cuda && CudaRunsOnPool()) {
    auto results = std::make_shared<std::vector<RunOutput>>();
    auto stamps = std::make_shared<RunStamps>(entry);
    auto out = std::make_shared<Napi::Reference<Napi::Value>>();
    if (info[3].IsArray()) *out = Napi::Persistent(info[3]);
    const bool traced = RunTrace::Enabled();
    if (traced) stamps->Mark(RunStamps::kPosted);
    return PromiseWorker::Start(
        env,
        [=] {
          if (traced) stamps->Mark(RunStamps::kStarted);
          *results = container->Run(inputs, keepOnDevice, traced ? stamps.get() : nullptr);
          if (traced) stamps->Mark(RunStamps::kFinished);
        },
        [=](Napi::Env env) -> Napi::Value {
          if (traced) stamps->Mark(RunStamps::kSettleStart);
          auto value = OutputsToJs(env, *results, out->IsEmpty() ? Napi::Value() : out->Value());
          if (traced) {
            stamps->Mark(RunStamps::kSettleEnd);
            RunTrace::Record(*stamps);
          }
          return value;
        });
  }
  size_t* queuedCpu = nullptr;
  if (!device.cuda) {
    queuedCpu = &completions->queuedCpuRuns();
    ++*queuedCpu;
  }
  auto* run = new QueuedRun(env, std::move(container), std::move(inputs), keepOnDevice, queuedCpu, info[3]);
  run->stamps = entry;
  if (run->traced) run->stamps.Mark(RunStamps::kPosted);
  auto promise = run->deferred.Promise();
  // A short CUDA run is picked up sooner by a loop that polls than by one woken from epoll.
  completions->Begin(env, run, device.cuda && EventLoopSpin::ShouldSpinFor(run->container->inlinePolicy().RecentMedianUs()));
  RunThread& thread = device.cuda ? RunThread::ForCuda(device.index) : RunThread::ForCpu();
  thread.Post([run, completions] {
    run->Execute();
    if (!completions->Deliver(run)) delete run;  // the environment is gone: nobody awaits it
  });
  return promise;
}

// The same run on the calling (JS) thread: no hop to another thread and back. For small models,
// where the hop dominates; on the CPU it runs single-threaded (omp-single-thread-scope.h says why).
Napi::Value RunContainerSync(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    RunStamps stamps;
    if (RunTrace::Enabled()) stamps.Mark(RunStamps::kCalled);
    auto container = Unbox<ModelContainer>(info[0], "model variant");
    auto inputs = CaptureInputs(*container, info[1]);
    return RunHere(env, *container, inputs, info[2].ToBoolean(), info[3], stamps);
  });
}

// How many runs in flight keep this environment's event loop polling (event-loop-spin.h), and the
// bound on a variant's recent median below which a CUDA run does: for tests.
Napi::Value RunLoopSpinsJs(const Napi::CallbackInfo& info) {
  auto* completions = static_cast<RunCompletions*>(info.Data());
  auto result = Napi::Object::New(info.Env());
  result.Set("spinning", static_cast<double>(completions->spinningRuns()));
  result.Set("enabled", EventLoopSpin::ShouldSpinFor(0));
  result.Set("thresholdUs", EventLoopSpin::ThresholdUs());
  return result;
}

// The benchmark's trace (run-trace.h): every recorded run's stamps, kCount numbers each, then cleared.
Napi::Value RunTraceJs(const Napi::CallbackInfo& info) {
  auto taken = RunTrace::Take();
  auto array = Napi::Float64Array::New(info.Env(), taken.size() * RunStamps::kCount);
  for (size_t i = 0; i < taken.size(); i++)
    for (int j = 0; j < RunStamps::kCount; j++) array[i * RunStamps::kCount + j] = taken[i].t[j];
  return array;
}

// toDevice: a host tensor copied to the GPU once, ahead of the runs that read it.
Napi::Value UploadTensor(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto dt = std::make_shared<DeviceTensor>();
  std::shared_ptr<uint8_t> host;
  Guard(env, [&] {
    auto t = info[0].As<Napi::Object>();
    dt->dtype = DTypeFromName(GetString(t, "dtype"));
    dt->shape = GetShape(t);
    dt->bytes = ShapeBytes(dt->shape, dt->dtype);
    dt->deviceIndex = info[1].As<Napi::Number>().Int32Value();
    if (!t.Get("data").IsTypedArray()) throw NativeError("NATIVE_INPUT", "the tensor has no TypedArray data");
    auto view = t.Get("data").As<Napi::TypedArray>();
    if (view.ByteLength() != dt->bytes)
      throw NativeError("NATIVE_INPUT", "the tensor holds " + std::to_string(view.ByteLength()) + " bytes, " +
                                            DTypeName(dt->dtype) + ShapeText(dt->shape) + " needs " +
                                            std::to_string(dt->bytes));
    TensorBackend* backend = CurrentBackend();
    host.reset(static_cast<uint8_t*>(backend->AllocHost(dt->bytes, false)),
               [](uint8_t* p) { CurrentBackend()->FreeHost(p, false); });
    if (dt->bytes > 0)
      std::memcpy(host.get(), static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset(), dt->bytes);
    return 0;
  });
  return PromiseWorker::Start(
      env,
      [dt, host] {
        TensorBackend* backend = CurrentBackend();
        const DeviceRef device{true, dt->deviceIndex};
        backend->UseDevice(device);
        dt->handle = backend->Empty(dt->shape, dt->dtype, device);
        AtenTensorHandle source = backend->FromBlob(host.get(), dt->shape, dt->dtype, DeviceRef{});
        try {
          backend->Copy(dt->handle, source);  // from pageable memory: complete when it returns
        } catch (...) {
          backend->Release(source);
          throw;
        }
        backend->Release(source);
      },
      [dt](Napi::Env env) -> Napi::Value { return DeviceTensorToJs(env, dt); });
}

// toHost: a device tensor's bytes, read back once.
Napi::Value DownloadTensor(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::shared_ptr<DeviceTensor> dt;
  Guard(env, [&] {
    dt = Unbox<DeviceTensor>(info[0], "device tensor");
    return 0;
  });
  auto host = std::make_shared<std::shared_ptr<uint8_t>>();
  return PromiseWorker::Start(
      env,
      [dt, host] {
        TensorBackend* backend = CurrentBackend();
        backend->UseDevice(DeviceRef{true, dt->deviceIndex});
        host->reset(static_cast<uint8_t*>(backend->AllocHost(dt->bytes, false)),
                    [](uint8_t* p) { CurrentBackend()->FreeHost(p, false); });
        AtenTensorHandle target = backend->FromBlob(host->get(), dt->shape, dt->dtype, DeviceRef{});
        try {
          backend->Copy(target, dt->handle);
        } catch (...) {
          backend->Release(target);
          throw;
        }
        backend->Release(target);
      },
      [dt, host](Napi::Env env) -> Napi::Value { return ToArrayBuffer(env, *host, dt->bytes); });
}

Napi::Value DisposeHandle(const Napi::CallbackInfo& info) {
  const std::string kind = info[1].As<Napi::String>();
  if (kind == "container") ResetBox<ModelContainer>(info[0]);
  if (kind == "store") ResetBox<WeightStore>(info[0]);
  if (kind == "device") ResetBox<DeviceTensor>(info[0]);
  return info.Env().Undefined();
}

Napi::Value BoundPointers(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    auto container = Unbox<ModelContainer>(info[0], "model variant");
    auto o = Napi::Object::New(env);
    for (const auto& [name, ptr] : container->BoundPointers())
      o.Set(name, Napi::BigInt::New(env, static_cast<uint64_t>(ptr)));
    return o;
  });
}

Napi::Value DeviceMemoryJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    auto m = CurrentBackend()->MemoryInfo(info[0].As<Napi::Number>().Int32Value());
    auto o = Napi::Object::New(env);
    o.Set("free", m.freeBytes);
    o.Set("total", m.totalBytes);
    return o;
  });
}

Napi::Value PinnedCopyGbps(const Napi::CallbackInfo& info) {
  const auto bytes = static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue());
  const int device = info[1].As<Napi::Number>().Int32Value();
  auto gbps = std::make_shared<double>(0);
  return PromiseWorker::Start(
      info.Env(), [=] { *gbps = CurrentBackend()->PinnedCopyGbps(bytes, device); },
      [gbps](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *gbps); });
}

// A stored tensor's bytes, read back to the host (the upload benchmark checks them against the file).
Napi::Value ReadStoreTensor(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::shared_ptr<WeightStore> store;
  std::string name;
  Guard(env, [&] {
    store = Unbox<WeightStore>(info[0], "weight store");
    name = info[1].As<Napi::String>();
    if (store->Find(name) == nullptr) throw NativeError("NATIVE_INPUT", "no tensor " + name + " in the weight store");
    return 0;
  });
  auto host = std::make_shared<std::shared_ptr<uint8_t>>();
  auto bytes = std::make_shared<size_t>(0);
  return PromiseWorker::Start(
      env,
      [store, name, host, bytes] {
        const StoredTensor& t = *store->Find(name);
        TensorBackend* backend = CurrentBackend();
        backend->UseDevice(store->device());
        *bytes = t.bytes;
        host->reset(static_cast<uint8_t*>(backend->AllocHost(t.bytes, false)),
                    [](uint8_t* p) { CurrentBackend()->FreeHost(p, false); });
        AtenTensorHandle target = backend->FromBlob(host->get(), t.shape, t.dtype, DeviceRef{});
        try {
          backend->Copy(target, t.handle);
        } catch (...) {
          backend->Release(target);
          throw;
        }
        backend->Release(target);
      },
      [host, bytes](Napi::Env env) -> Napi::Value { return ToArrayBuffer(env, *host, *bytes); });
}

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("loadTorch", Napi::Function::New(env, LoadTorch));
  exports.Set("preloadTorch", Napi::Function::New(env, PreloadTorch));
  exports.Set("preloadCudaRuntime", Napi::Function::New(env, PreloadCudaRuntime));
  exports.Set("libtorchPreloadTimes", Napi::Function::New(env, LibtorchPreloadTimesJs));
  exports.Set("cudaPrewarmTimes", Napi::Function::New(env, CudaPrewarmTimesJs));
  exports.Set("joinCudaPrewarm", Napi::Function::New(env, JoinCudaPrewarmJs));
  exports.Set("loadStandalone", Napi::Function::New(env, LoadStandaloneRuntime));
  exports.Set("addonPath", Napi::Function::New(env, AddonPathJs));
  exports.Set("createWeightStore", Napi::Function::New(env, CreateWeightStore));
  exports.Set("openContainer", Napi::Function::New(env, OpenContainer));
  auto* completions = RunCompletions::Create(env);
  exports.Set("runContainer", Napi::Function::New(env, RunContainer, "runContainer", completions));
  exports.Set("runLoopSpins", Napi::Function::New(env, RunLoopSpinsJs, "runLoopSpins", completions));
  exports.Set("runContainerSync", Napi::Function::New(env, RunContainerSync));
  exports.Set("runTrace", Napi::Function::New(env, RunTraceJs));
  exports.Set("uploadTensor", Napi::Function::New(env, UploadTensor));
  exports.Set("downloadTensor", Napi::Function::New(env, DownloadTensor));
  exports.Set("disposeHandle", Napi::Function::New(env, DisposeHandle));
  exports.Set("boundPointers", Napi::Function::New(env, BoundPointers));
  exports.Set("deviceMemory", Napi::Function::New(env, DeviceMemoryJs));
  exports.Set("pinnedCopyGbps", Napi::Function::New(env, PinnedCopyGbps));
  exports.Set("readStoreTensor", Napi::Function::New(env, ReadStoreTensor));
  RegisterMemoryProbe(env, exports);
}

}  // namespace aotihub
