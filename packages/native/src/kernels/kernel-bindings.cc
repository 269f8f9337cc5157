#include "kernel-bindings.h"

#include "../common/native-error.h"
#include "../common/promise-worker.h"
#include "kernel-library.h"
#include "op-schema-probe.h"

namespace aotihub {

namespace {

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

ArgKind KindFromName(const std::string& name) {
  static const std::pair<const char*, ArgKind> kinds[] = {
      {"tensor", ArgKind::Tensor},         {"optional_tensor", ArgKind::OptionalTensor},
      {"tensors", ArgKind::Tensors},       {"optional_tensors", ArgKind::OptionalTensors},
      {"int", ArgKind::Int},               {"optional_int", ArgKind::OptionalInt},
      {"ints", ArgKind::Ints},             {"float", ArgKind::Float},
      {"optional_float", ArgKind::OptionalFloat}, {"bool", ArgKind::Bool},
      {"optional_bool", ArgKind::OptionalBool},   {"none", ArgKind::None}};
  for (const auto& [n, k] : kinds)
    if (name == n) return k;
  throw NativeError("NATIVE_KERNEL_NODE", "unknown extern argument kind " + name);
}

Napi::Value LoadKernelLibraryJs(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>();
  auto result = std::make_shared<KernelLoadResult>();
  return PromiseWorker::Start(
      info.Env(), [=] { *result = LoadKernelLibrary(path); },
      [result](Napi::Env env) -> Napi::Value {
        auto o = Napi::Object::New(env);
        o.Set("alreadyLoaded", result->alreadyLoaded);
        o.Set("loadMs", result->loadMs);
        return o;
      });
}

Napi::Value ProbeOpSchemaJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    ProbedSchema probed =
        ProbeOpSchema(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
    auto o = Napi::Object::New(env);
    o.Set("available", probed.available);
    o.Set("found", probed.found);
    o.Set("schema", probed.schema);
    return o;
  });
}

}  // namespace

std::shared_ptr<DispatcherProxyExecutor> ExecutorFromJs(const Napi::Value& value) {
  if (!value.IsArray() || value.As<Napi::Array>().Length() == 0) return nullptr;
  auto array = value.As<Napi::Array>();
  std::vector<ExternNode> nodes;
  for (uint32_t i = 0; i < array.Length(); i++) {
    auto o = array.Get(i).As<Napi::Object>();
    ExternNode node;
    node.opName = o.Get("opName").As<Napi::String>();
    node.overload = o.Get("overload").As<Napi::String>();
    auto args = o.Get("args").As<Napi::Array>();
    for (uint32_t j = 0; j < args.Length(); j++) {
      auto a = args.Get(j).As<Napi::Object>();
      ExternArg arg;
      arg.kind = KindFromName(a.Get("kind").As<Napi::String>());
      if (a.Has("count")) arg.count = a.Get("count").As<Napi::Number>().Int32Value();
      if (a.Has("number")) arg.number = a.Get("number").As<Napi::Number>().DoubleValue();
      if (a.Has("present")) {
        auto present = a.Get("present").As<Napi::Array>();
        for (uint32_t k = 0; k < present.Length(); k++) arg.present.push_back(present.Get(k).ToBoolean());
      }
      node.args.push_back(std::move(arg));
    }
    auto returns = o.Get("returns").As<Napi::Array>();
    for (uint32_t j = 0; j < returns.Length(); j++) {
      const std::string r = returns.Get(j).As<Napi::String>();
      node.returns.push_back(r == "tensor" ? ReturnKind::Tensor : ReturnKind::None);
    }
    nodes.push_back(std::move(node));
  }
  return std::make_shared<DispatcherProxyExecutor>(std::move(nodes));
}

void RegisterKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("loadKernelLibrary", Napi::Function::New(env, LoadKernelLibraryJs));
  exports.Set("probeOpSchema", Napi::Function::New(env, ProbeOpSchemaJs));
}

}  // namespace aotihub
