// JS surface for custom-op kernels: load a kernel library, read an op's registered schema, and
// turn the extern nodes the TS side parsed into a proxy executor for a model variant.
#pragma once
#include <napi.h>

#include <memory>

#include "proxy-executor.h"

namespace aotihub {

void RegisterKernels(Napi::Env env, Napi::Object exports);

// null when the array is empty (a model without custom ops runs with a null executor).
std::shared_ptr<DispatcherProxyExecutor> ExecutorFromJs(const Napi::Value& externNodes);

}  // namespace aotihub
