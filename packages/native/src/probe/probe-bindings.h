#pragma once
#include <napi.h>
namespace aotihub {
void RegisterProbe(Napi::Env env, Napi::Object exports);
}
