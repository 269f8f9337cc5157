#pragma once
#include <napi.h>
namespace aotihub {
void RegisterIo(Napi::Env env, Napi::Object exports);
}
