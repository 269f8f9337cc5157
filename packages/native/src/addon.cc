// Placeholder translation unit so the workspace builds; the native issue replaces it.
#include <napi.h>
static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }
NODE_API_MODULE(aotihub_native, Init)
