// What the C heap holds, for the load/dispose memory benchmarks (bench/gpu/rss): glibc's malloc
// totals over all arenas, its arena count, and a trim that hands free pages back. RSS alone cannot
// tell freed-but-kept malloc memory (fragmentation, arenas of threads that came and went) from
// memory still in use; these can.
#include <dlfcn.h>
#include <malloc.h>
#include <napi.h>
#include <stdio.h>
#include <stdlib.h>

#include <cstring>
#include <string>

namespace aotihub {

namespace {

std::string MallocInfoXml() {
#if defined(__GLIBC__)
  char* text = nullptr;
  size_t size = 0;
  FILE* out = ::open_memstream(&text, &size);
  if (out == nullptr) return std::string();
  ::malloc_info(0, out);
  ::fclose(out);
  std::string xml(text == nullptr ? "" : text, size);
  ::free(text);
  return xml;
#else
  return std::string();
#endif
}

Napi::Value MallocStats(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
#if defined(__GLIBC__)
  const struct mallinfo2 m = ::mallinfo2();
  o.Set("arenaBytes", static_cast<double>(m.arena));        // sbrk'd main-arena bytes + mmapped arena heaps
  o.Set("mmapBytes", static_cast<double>(m.hblkhd));        // chunks served by mmap directly
  o.Set("inUseBytes", static_cast<double>(m.uordblks));     // allocated chunks
  o.Set("freeBytes", static_cast<double>(m.fordblks));      // free chunks malloc keeps
  o.Set("topReleasable", static_cast<double>(m.keepcost));
  const std::string xml = MallocInfoXml();
  size_t heaps = 0;
  for (size_t at = xml.find("<heap nr="); at != std::string::npos; at = xml.find("<heap nr=", at + 1)) heaps++;
  o.Set("arenas", static_cast<double>(heaps));
  if (info.Length() > 0 && info[0].ToBoolean()) o.Set("xml", xml);
#else
  for (const char* key : {"arenaBytes", "mmapBytes", "inUseBytes", "freeBytes", "topReleasable", "arenas"}) o.Set(key, 0.0);
#endif
  return o;
}

Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), ::malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// test/support/malloc-trace.c, when preloaded: start recording allocations / write those still live.
Napi::Value MallocTraceMark(const Napi::CallbackInfo& info) {
  auto mark = reinterpret_cast<void (*)()>(::dlsym(RTLD_DEFAULT, "rss_trace_mark"));
  if (mark != nullptr) mark();
  return Napi::Boolean::New(info.Env(), mark != nullptr);
}

Napi::Value MallocTraceDump(const Napi::CallbackInfo& info) {
  auto dump = reinterpret_cast<int (*)(const char*, int)>(::dlsym(RTLD_DEFAULT, "rss_trace_dump"));
  if (dump == nullptr) return Napi::Number::New(info.Env(), -1);
  const std::string path = info[0].As<Napi::String>();
  return Napi::Number::New(info.Env(), dump(path.c_str(), info[1].As<Napi::Number>().Int32Value()));
}

}  // namespace

void RegisterMemoryProbe(Napi::Env env, Napi::Object exports) {
  exports.Set("mallocStats", Napi::Function::New(env, MallocStats));
  exports.Set("mallocTrim", Napi::Function::New(env, MallocTrim));
  exports.Set("mallocTraceMark", Napi::Function::New(env, MallocTraceMark));
  exports.Set("mallocTraceDump", Napi::Function::New(env, MallocTraceDump));
}

}  // namespace aotihub
