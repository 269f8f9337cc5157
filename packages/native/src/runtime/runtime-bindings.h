#pragma once
#include <napi.h>
namespace aotihub {
void RegisterRuntime(Napi::Env env, Napi::Object exports);
// memory-probe.cc: malloc figures for the load/dispose memory benchmarks.
void RegisterMemoryProbe(Napi::Env env, Napi::Object exports);
}
