// JS surface for mappings and locks. Validation of arguments lives in TS (lib/io/); these read an
// already-checked call.
#include <sys/file.h>

#include <cerrno>
#include <cstring>

#include "../common/boxed.h"
#include "../common/promise-worker.h"
#include "io-bindings.h"
#include "mapping.h"

namespace aotihub {

namespace {

// The ArrayBuffer's finalizer holds its own share, so the memory outlives neither JS views nor
// dispose(): dispose() detaches every view first, then unmaps.
void ReleaseShare(Napi::Env, void*, std::shared_ptr<Mapping>* share) { delete share; }

Napi::Value MapFile(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  try {
    const std::string path = info[0].As<Napi::String>();
    const uint64_t offset = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
    const int64_t length = info[2].As<Napi::Number>().Int64Value();
    auto mapping = Mapping::Open(path, offset, length);
    Napi::ArrayBuffer buffer =
        mapping->size() == 0
            ? Napi::ArrayBuffer::New(env, 0)
            : Napi::ArrayBuffer::New(env, mapping->data(), mapping->size(), ReleaseShare,
                                     new std::shared_ptr<Mapping>(mapping));
    auto result = Napi::Object::New(env);
    result.Set("buffer", buffer);
    result.Set("handle", Box(env, mapping));
    result.Set("fileSize", Napi::Number::New(env, static_cast<double>(mapping->fileSize())));
    return result;
  } catch (const NativeError& e) {
    throw ToJsError(env, e.code(), e.what());
  }
}

Napi::Value UnmapFile(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info[1].IsArrayBuffer()) {
    auto buffer = info[1].As<Napi::ArrayBuffer>();
    if (!buffer.IsDetached() && buffer.ByteLength() > 0) buffer.Detach();
  }
  if (info[0].IsExternal()) {
    auto* holder = info[0].As<Napi::External<std::shared_ptr<Mapping>>>().Data();
    if (holder != nullptr && *holder) (*holder)->Unmap();
    ResetBox<Mapping>(info[0]);
  }
  return env.Undefined();
}

// flock(fd, mode): mode 0 shared, 1 exclusive, 2 unlock. Never blocks: returns false when another
// holder has it, so the TS side polls on timers and the event loop keeps running.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int fd = info[0].As<Napi::Number>().Int32Value();
  const int mode = info[1].As<Napi::Number>().Int32Value();
  const int op = mode == 2 ? LOCK_UN : ((mode == 0 ? LOCK_SH : LOCK_EX) | LOCK_NB);
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return Napi::Boolean::New(env, true);
  // filelock treats EACCES like contention too (some filesystems report it).
  if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES) return Napi::Boolean::New(env, false);
  throw ToJsError(env, "NATIVE_IO", std::string("flock failed: ") + std::strerror(errno));
}

}  // namespace

void RegisterIo(Napi::Env env, Napi::Object exports) {
  exports.Set("mapFile", Napi::Function::New(env, MapFile));
  exports.Set("unmapFile", Napi::Function::New(env, UnmapFile));
  exports.Set("flock", Napi::Function::New(env, Flock));
}

}  // namespace aotihub
