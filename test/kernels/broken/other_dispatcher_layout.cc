// Stands in for a libtorch whose dispatcher internals differ from the layout aotihub reads an op's
// schema through (packages/native/src/kernels/op-schema-probe.cc): preloaded (LD_PRELOAD), it
// interposes c10::Dispatcher::findSchemaOrThrow and, for the ops of OP_NAMESPACE, answers an
// OperatorHandle whose OperatorDef starts with another field; every other op goes to libtorch's own.
#include <dlfcn.h>

#include <cstring>
#include <string>

#define AOTIHUB_STR(x) #x
#define AOTIHUB_XSTR(x) AOTIHUB_STR(x)

// Named (not anonymous): the interposed function's type must have external linkage.
namespace aotihub_test {
// c10::OperatorHandle as libtorch returns it (a user-declared destructor: through a hidden pointer).
struct OperatorHandleMirror {
  void* operatorDef = nullptr;
  void* iterator = nullptr;
  ~OperatorHandleMirror() {}
};
using FindSchemaOrThrow = OperatorHandleMirror (*)(void* dispatcher, const char* name, const char* overload);

// An OperatorDef of another torch: a field before the operator's name.
struct OtherLayoutDef {
  std::string tag = "a field the known layout does not have";
  std::string kind = "here";
  std::string name;
  std::string overload;
};
}  // namespace aotihub_test

using aotihub_test::OperatorHandleMirror;
using aotihub_test::OtherLayoutDef;

OperatorHandleMirror InterposedFindSchemaOrThrow(void* dispatcher, const char* name, const char* overload) __asm__(
    "_ZN3c1010Dispatcher17findSchemaOrThrowEPKcS2_");
__attribute__((visibility("default"))) OperatorHandleMirror InterposedFindSchemaOrThrow(void* dispatcher,
                                                                                       const char* name,
                                                                                       const char* overload) {
  static const auto real =
      reinterpret_cast<aotihub_test::FindSchemaOrThrow>(::dlsym(RTLD_NEXT, "_ZN3c1010Dispatcher17findSchemaOrThrowEPKcS2_"));
  const char* ns = AOTIHUB_XSTR(OP_NAMESPACE) "::";
  if (std::strncmp(name, ns, std::strlen(ns)) != 0) return real(dispatcher, name, overload);
  static OtherLayoutDef def;
  def.name = name;
  def.overload = overload;
  OperatorHandleMirror handle;
  handle.operatorDef = &def;
  return handle;
}
