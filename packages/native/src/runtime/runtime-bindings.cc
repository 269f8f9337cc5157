// JS surface of the runtime: flat functions over handles. The TS adapter (lib/binding.ts) has
// validated every argument; these read plain objects with small accessors and queue the work.
#include "runtime-bindings.h"

#include "../backend/libtorch-backend.h"
#include "../common/boxed.h"
#include "../common/promise-worker.h"
#include "../kernels/kernel-bindings.h"
#include "model-container.h"
#include "weight-store.h"

namespace aotihub {

namespace {

// A device-resident tensor handed to JS; released when JS disposes it or collects it.
struct DeviceTensor {
  AtenTensorHandle handle = nullptr;
  ~DeviceTensor() {
    if (handle != nullptr) CurrentBackend()->Release(handle);
  }
};

std::string GetString(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::String>(); }
double GetNumber(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().DoubleValue(); }

std::vector<int64_t> GetShape(const Napi::Object& o) {
  auto array = o.Get("shape").As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) shape[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return shape;
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

Napi::Value LoadTorch(const Napi::CallbackInfo& info) {
  const std::string libDir = info[0].As<Napi::String>();
  const bool cuda = info[1].ToBoolean();
  auto result = std::make_shared<TorchLoadResult>();
  return PromiseWorker::Start(
      info.Env(), [=] { *result = LoadLibtorch(libDir, cuda); },
      [result](Napi::Env env) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("loadMs", result->loadMs);
        o.Set("cuda", result->cuda);
        o.Set("libDir", result->libDir);
        return o;
      });
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

Napi::Value RunContainer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::shared_ptr<ModelContainer> container;
  std::vector<RunInput> inputs;
  std::vector<std::shared_ptr<DeviceTensor>> deviceInputs;  // kept alive for the run
  const bool keepOnDevice = info[2].ToBoolean();
  Guard(env, [&] {
    container = Unbox<ModelContainer>(info[0], "model variant");
    auto array = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); i++) {
      auto t = array.Get(i).As<Napi::Object>();
      RunInput input;
      input.dtype = DTypeFromName(GetString(t, "dtype"));
      input.shape = GetShape(t);
      auto device = t.Get("device");
      if (device.IsExternal()) {
        deviceInputs.push_back(Unbox<DeviceTensor>(device, "device tensor"));
        input.deviceTensor = deviceInputs.back()->handle;
      } else {
        auto data = t.Get("data").As<Napi::TypedArray>();
        input.data = static_cast<const uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
        input.bytes = data.ByteLength();
        size_t numel = 1;
        for (int64_t d : input.shape) numel *= static_cast<size_t>(d);
        if (numel * DTypeSize(input.dtype) != input.bytes)
          throw NativeError("NATIVE_INPUT", "input " + std::to_string(i) + " data size does not match its shape");
      }
      inputs.push_back(std::move(input));
    }
    return 0;
  });
  auto results = std::make_shared<std::vector<RunOutput>>();
  return PromiseWorker::Start(
      env, [=] { *results = container->Run(inputs, keepOnDevice); },
      [results](Napi::Env env) -> Napi::Value {
        auto array = Napi::Array::New(env, results->size());
        for (size_t i = 0; i < results->size(); i++) {
          RunOutput& r = (*results)[i];
          auto o = Napi::Object::New(env);
          o.Set("dtype", DTypeName(static_cast<DType>(r.dtype)));
          auto shape = Napi::Array::New(env, r.shape.size());
          for (size_t j = 0; j < r.shape.size(); j++) shape.Set(static_cast<uint32_t>(j), static_cast<double>(r.shape[j]));
          o.Set("shape", shape);
          if (r.deviceTensor != nullptr) {
            auto dt = std::make_shared<DeviceTensor>();
            dt->handle = r.deviceTensor;
            r.deviceTensor = nullptr;
            o.Set("device", Box(env, dt));
          } else {
            auto buffer = Napi::ArrayBuffer::New(env, r.bytes);
            if (r.bytes > 0) std::memcpy(buffer.Data(), r.host.get(), r.bytes);
            o.Set("buffer", buffer);
          }
          array.Set(static_cast<uint32_t>(i), o);
        }
        return array;
      },
      info[1]);
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

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("loadTorch", Napi::Function::New(env, LoadTorch));
  exports.Set("createWeightStore", Napi::Function::New(env, CreateWeightStore));
  exports.Set("openContainer", Napi::Function::New(env, OpenContainer));
  exports.Set("runContainer", Napi::Function::New(env, RunContainer));
  exports.Set("disposeHandle", Napi::Function::New(env, DisposeHandle));
  exports.Set("boundPointers", Napi::Function::New(env, BoundPointers));
  exports.Set("deviceMemory", Napi::Function::New(env, DeviceMemoryJs));
  exports.Set("pinnedCopyGbps", Napi::Function::New(env, PinnedCopyGbps));
}

}  // namespace aotihub
