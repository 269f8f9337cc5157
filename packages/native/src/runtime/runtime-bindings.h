#pragma once
#include <napi.h>
namespace aotihub {
void RegisterRuntime(Napi::Env env, Napi::Object exports);
}
