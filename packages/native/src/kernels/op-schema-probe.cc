#include "op-schema-probe.h"

#include <dlfcn.h>

#include <sstream>

namespace aotihub {

namespace {

// c10::OperatorHandle: { OperatorDef* operatorDef_; std::list<OperatorDef>::iterator operatorIterator_; }
// with a user-declared destructor, so it is returned through a hidden pointer exactly like this
// mirror (Itanium C++ ABI). ATen/core/dispatch/Dispatcher.h, OperatorEntry.h (torch 2.x).
struct OperatorHandleMirror {
  void* operatorDef = nullptr;
  void* iterator = nullptr;
  ~OperatorHandleMirror() {}
};

// The one internal layout fact the probe relies on: OperatorDef starts with its OperatorEntry,
// which starts with `OperatorName name_` (two std::string) followed by
// `std::optional<AnnotatedSchema> schema_`, whose FunctionSchema comes first and itself starts with
// the same OperatorName. Both names are compared with the op asked for before the schema is used.
struct OperatorNameMirror {
  std::string name;
  std::string overload;
};

using RealSingleton = void* (*)();
using FindSchemaOrThrow = OperatorHandleMirror (*)(void* dispatcher, const char* name, const char* overload);
using PrintSchema = std::ostream& (*)(std::ostream&, const void* schema);

struct ProbeCalls {
  RealSingleton singleton = nullptr;
  FindSchemaOrThrow find = nullptr;
  PrintSchema print = nullptr;
  bool ok() const { return singleton && find && print; }
};

const ProbeCalls& Calls() {
  static const ProbeCalls calls = [] {
    ProbeCalls c;
    c.singleton = reinterpret_cast<RealSingleton>(::dlsym(RTLD_DEFAULT, "_ZN3c1010Dispatcher13realSingletonEv"));
    c.find =
        reinterpret_cast<FindSchemaOrThrow>(::dlsym(RTLD_DEFAULT, "_ZN3c1010Dispatcher17findSchemaOrThrowEPKcS2_"));
    c.print = reinterpret_cast<PrintSchema>(::dlsym(RTLD_DEFAULT, "_ZN3c10lsERSoRKNS_14FunctionSchemaE"));
    return c;
  }();
  return calls;
}

bool SameName(const OperatorNameMirror& n, const std::string& name, const std::string& overload) {
  return n.name == name && n.overload == overload;
}

}  // namespace

ProbedSchema ProbeOpSchema(const std::string& opName, const std::string& overload) {
  ProbedSchema out;
  const ProbeCalls& calls = Calls();
  if (!calls.ok()) {
    out.available = false;
    return out;
  }
  OperatorHandleMirror handle;
  try {
    handle = calls.find(calls.singleton(), opName.c_str(), overload.c_str());
  } catch (...) {
    return out;  // c10::Error: no such op (or no schema registered for it yet)
  }
  const auto* entryName = static_cast<const OperatorNameMirror*>(handle.operatorDef);
  const auto* schema = reinterpret_cast<const char*>(handle.operatorDef) + sizeof(OperatorNameMirror);
  if (entryName == nullptr || !SameName(*entryName, opName, overload) ||
      !SameName(*reinterpret_cast<const OperatorNameMirror*>(schema), opName, overload)) {
    out.available = false;  // another layout: do not guess
    return out;
  }
  std::ostringstream text;
  calls.print(text, schema);
  out.found = true;
  out.schema = text.str();
  return out;
}

}  // namespace aotihub
