#include "model-container.h"

#include "cuda-prewarm.h"

#include <dlfcn.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>

#include "../common/native-error.h"
#include "constant-aliases.h"
#include "model-library.h"

namespace aotihub {

namespace {

template <typename F>
void Bind(void* lib, F& slot, const char* name, bool required, const std::string& soPath) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
  if (slot == nullptr && required)
    throw NativeError("NATIVE_NOT_AOTI", soPath + " does not export " + name + ": not an AOTInductor model");
}

// Releases a set of tensor handles unless they were handed on.
struct HandleList {
  std::vector<AtenTensorHandle> handles;
  ~HandleList() {
    for (auto h : handles)
      if (h != nullptr) CurrentBackend()->Release(h);
  }
};

// torch's current stream is ours for the length of a run, so what the run allocates belongs to it.
class StreamScope {
 public:
  StreamScope(void* stream, int deviceIndex)
      : guard_(stream == nullptr ? nullptr : CurrentBackend()->EnterStream(stream, deviceIndex)) {}
  ~StreamScope() { CurrentBackend()->LeaveStream(guard_); }
  StreamScope(const StreamScope&) = delete;
  StreamScope& operator=(const StreamScope&) = delete;

 private:
  void* guard_;
};

size_t ByteSize(const std::vector<int64_t>& shape, DType dtype) {
  size_t numel = 1;
  for (int64_t d : shape) numel *= static_cast<size_t>(d);
  return numel * DTypeSize(dtype);
}

std::string Str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

}  // namespace

std::shared_ptr<ModelContainer> ModelContainer::Open(const std::string& soPath, const std::string& cubinDir,
                                                     DeviceRef device, std::shared_ptr<WeightStore> store,
                                                     std::shared_ptr<WeightStore> overrides,
                                                     std::shared_ptr<DispatcherProxyExecutor> executor) {
  CurrentBackend();  // the model's shim symbols must already be global
  std::shared_ptr<ModelContainer> self(new ModelContainer());
  self->device_ = device;
  self->store_ = std::move(store);
  self->overrides_ = std::move(overrides);
  self->executor_ = std::move(executor);
  // RTLD_LOCAL: variants export the same symbol names; each must keep its own.
  self->soPath_ = soPath;
  self->lib_ = OpenModelLibrary(soPath);
  if (self->lib_ == nullptr) {
    const char* why = ::dlerror();
    throw NativeError("NATIVE_SO_LOAD", std::string("dlopen ") + soPath + ": " + (why ? why : "unknown failure"));
  }
  auto& a = self->abi_;
  Bind(self->lib_, a.create, "AOTInductorModelContainerCreateWithDevice", true, soPath);
  Bind(self->lib_, a.destroy, "AOTInductorModelContainerDelete", true, soPath);
  Bind(self->lib_, a.run, "AOTInductorModelContainerRun", true, soPath);
  Bind(self->lib_, a.runSingleThreaded, "AOTInductorModelContainerRunSingleThreaded", false, soPath);
  Bind(self->lib_, a.numInputs, "AOTInductorModelContainerGetNumInputs", true, soPath);
  Bind(self->lib_, a.inputName, "AOTInductorModelContainerGetInputName", true, soPath);
  Bind(self->lib_, a.numOutputs, "AOTInductorModelContainerGetNumOutputs", true, soPath);
  Bind(self->lib_, a.outputName, "AOTInductorModelContainerGetOutputName", true, soPath);
  Bind(self->lib_, a.numConstants, "AOTInductorModelContainerGetNumConstants", true, soPath);
  Bind(self->lib_, a.constantName, "AOTInductorModelContainerGetConstantName", true, soPath);
  Bind(self->lib_, a.constantFqn, "AOTInductorModelContainerGetConstantOriginalFQN", true, soPath);
  Bind(self->lib_, a.constantFromFolded, "AOTInductorModelContainerGetConstantFromFolded", true, soPath);
  Bind(self->lib_, a.constantDtype, "AOTInductorModelContainerGetConstantDtype", true, soPath);
  Bind(self->lib_, a.constantDataSize, "AOTInductorModelContainerGetConstantDataSize", true, soPath);
  Bind(self->lib_, a.updateUserManagedPairs, "AOTInductorModelContainerUpdateUserManagedConstantBufferPairs", true,
       soPath);
  Bind(self->lib_, a.extractEntries, "AOTInductorModelContainerExtractConstantsMapEntries", false, soPath);
  Bind(self->lib_, self->lastError_, "AOTInductorGetLastError", false, soPath);
  const std::string deviceStr = device.cuda ? "cuda:" + std::to_string(device.index) : "cpu";
  CurrentBackend()->UseDevice(device);
  self->inputPool_ = HostBufferPool::Create(device.cuda);
  self->outputPool_ = HostBufferPool::Create(device.cuda);
  if (device.cuda) {
    self->stream_ = CurrentBackend()->CreateStream(device.index);
    self->modules_.Attach(self->lib_);
  }
  CudaModuleTracker::Scope recording(self->modules_);
  self->Check(a.create(&self->handle_, 1, deviceStr.c_str(), cubinDir.empty() ? nullptr : cubinDir.c_str()),
        "AOTInductorModelContainerCreateWithDevice");
  self->ReadSignature();
  self->BindWeights();
  return self;
}

void ModelContainer::ReadSignature() {
  size_t n = 0;
  Check(abi_.numInputs(handle_, &n), "GetNumInputs");
  for (size_t i = 0; i < n; i++) {
    const char* name = nullptr;
    Check(abi_.inputName(handle_, i, &name), "GetInputName");
    inputNames_.push_back(Str(name));
  }
  Check(abi_.numOutputs(handle_, &n), "GetNumOutputs");
  for (size_t i = 0; i < n; i++) {
    const char* name = nullptr;
    Check(abi_.outputName(handle_, i, &name), "GetOutputName");
    outputNames_.push_back(Str(name));
  }
  Check(abi_.numConstants(handle_, &n), "GetNumConstants");
  for (size_t i = 0; i < n; i++) {
    ConstantInfo c;
    const char* name = nullptr;
    const char* fqn = nullptr;
    Check(abi_.constantName(handle_, i, &name), "GetConstantName");
    Check(abi_.constantFqn(handle_, i, &fqn), "GetConstantOriginalFQN");
    Check(abi_.constantFromFolded(handle_, i, &c.folded), "GetConstantFromFolded");
    Check(abi_.constantDtype(handle_, i, &c.dtypeCode), "GetConstantDtype");
    Check(abi_.constantDataSize(handle_, i, &c.dataSize), "GetConstantDataSize");
    c.name = Str(name);
    c.fqn = Str(fqn);
    constants_.push_back(c);
  }
}

// A variant's own constants (a lifted tensor that differs per bucket) win over the shared set.
const StoredTensor* ModelContainer::Lookup(const std::string& key) const {
  const StoredTensor* own = overrides_ ? overrides_->Find(key) : nullptr;
  return own != nullptr ? own : store_->Find(key);
}

// Every constant the model does not fold itself must come from the store with the dtype and byte
// size it was compiled for; a partial bind would leave a null buffer the model later dereferences.
void ModelContainer::BindWeights() {
  TensorBackend* backend = CurrentBackend();
  std::string problems;
  std::vector<ConstantMapEntry> pairs;
  for (const auto& c : constants_) {
    if (c.folded) continue;
    const std::string key = c.fqn.empty() ? c.name : c.fqn;
    const StoredTensor* t = Lookup(key);
    if (t == nullptr && !c.fqn.empty()) t = Lookup(c.name);
    if (t == nullptr) {
      problems += "\n    missing " + key;
      continue;
    }
    if (backend->DtypeCode(t->dtype) != c.dtypeCode) {
      const int want = backend->DTypeFromCode(c.dtypeCode);
      problems += "\n    " + key + ": dtype " + DTypeName(t->dtype) + ", model wants " +
                  (want < 0 ? "code " + std::to_string(c.dtypeCode) : DTypeName(static_cast<DType>(want)));
      continue;
    }
    // AOTI reports a constant's size rounded up to its 64-byte blob alignment (AOTI_CONST_ALIGNMENT).
    const size_t padded = (t->bytes + 63) / 64 * 64;
    if (c.dataSize != 0 && c.dataSize != t->bytes && c.dataSize != padded) {
      problems += "\n    " + key + ": " + std::to_string(t->bytes) + " bytes, model wants " + std::to_string(c.dataSize);
      continue;
    }
    pairs.push_back({c.name.c_str(), t->handle});
    bound_.emplace_back(c.name, t->handle);
  }
  if (!problems.empty()) throw NativeError("NATIVE_WEIGHTS_MISMATCH", "weights do not fit the model:" + problems);
  Check(abi_.updateUserManagedPairs(handle_, pairs.data(), pairs.size(), false, true),
        "UpdateUserManagedConstantBufferPairs");
  // AOTIHUB_FREE_CONSTANT_ALIASES=0 keeps torch's leak (bench/gpu/rss compares both).
  static const bool keepAliases = [] {
    const char* env = std::getenv("AOTIHUB_FREE_CONSTANT_ALIASES");
    return env != nullptr && std::strcmp(env, "0") == 0;
  }();
  if (!keepAliases && !pairs.empty() && LeaksUserManagedConstantHandles(lib_)) {
    std::vector<AtenTensorHandle> ours;
    for (const auto& p : pairs) ours.push_back(p.handle);
    orphanedAliases_ = ContainerConstantAliases(lib_, abi_, handle_, ours);
  }
}

void ModelContainer::Check(Rc rc, const char* call) const {
  if (rc == 0) return;
  // torch >= 2.13 keeps the message (per thread) instead of printing it; older ones print it.
  const char* message = nullptr;
  if (lastError_ != nullptr && lastError_(&message) == 0 && message != nullptr && *message != '\0')
    throw NativeError("NATIVE_MODEL", std::string(call) + " failed: " + message);
  throw NativeError("NATIVE_MODEL", std::string(call) + " failed (the model printed the cause on stderr)");
}

void ModelContainer::CallRun(std::vector<AtenTensorHandle>& in, std::vector<AtenTensorHandle>& out, void* stream) {
  // Run steals the input handles, success or not. Custom ops (kernels) reach their library through
  // the proxy executor; a model without any gets null, as torch's own loader passes.
  ProxyExecutorAbi* executor = executor_.get();
  const auto run = abi_.runSingleThreaded != nullptr ? abi_.runSingleThreaded : abi_.run;
  const Rc rc = run(handle_, in.data(), in.size(), out.data(), out.size(), stream, executor);
  std::fill(in.begin(), in.end(), nullptr);
  if (rc != 0 && executor_) {
    const std::string opError = executor_->TakeLastError();
    if (!opError.empty()) throw NativeError("NATIVE_KERNEL_CALL", opError);
  }
  Check(rc, "AOTInductorModelContainerRun");
}

// CPU: the inputs are our aligned copies, wrapped without a copy. CUDA: everything (uploads, the
// model, downloads) is queued on this container's own non-blocking stream from page-locked buffers,
// and the run waits once, for that stream only.
std::vector<RunOutput> ModelContainer::Run(const std::vector<RunInput>& inputs, bool keepOnDevice,
                                           RunStamps* stamps) {
  TensorBackend* backend = CurrentBackend();
  std::lock_guard<std::mutex> lock(runMutex_);
  if (inputs.size() != inputNames_.size())
    throw NativeError("NATIVE_INPUT", "model takes " + std::to_string(inputNames_.size()) + " inputs, got " +
                                          std::to_string(inputs.size()));
  if (device_.cuda) FinishCudaPrewarm();  // the prewarm's first GEMM, if it still runs
  backend->UseDevice(device_);
  StreamScope scope(stream_, device_.index);
  CudaModuleTracker::Scope recording(modules_);  // kernels load on their first launch
  try {
    return RunOnStream(inputs, keepOnDevice, stamps);
  } catch (...) {
    // Copies may still be queued: nothing they touch may be freed or reused before they finish.
    if (stream_ != nullptr) {
      try {
        backend->WaitStream(stream_);
      } catch (...) {
      }
    }
    throw;
  }
}

std::vector<RunOutput> ModelContainer::RunOnStream(const std::vector<RunInput>& inputs, bool keepOnDevice,
                                                   RunStamps* stamps) {
  TensorBackend* backend = CurrentBackend();
  HandleList in;
  in.handles.reserve(inputs.size());
  for (const auto& input : inputs) {
    if (input.device) {
      in.handles.push_back(backend->Alias(input.device->handle));
      continue;
    }
    if (!device_.cuda) {
      in.handles.push_back(backend->FromBlob(input.host.get(), input.shape, input.dtype, DeviceRef{}));
      continue;
    }
    in.handles.push_back(backend->Empty(input.shape, input.dtype, device_));
    backend->CopyAsync(backend->Inspect(in.handles.back()).data, input.host.get(), input.bytes, CopyKind::HostToDevice,
                       stream_);
  }
  HandleList out;
  out.handles.assign(outputNames_.size(), nullptr);
  CallRun(in.handles, out.handles, stream_);
  if (stamps != nullptr) stamps->Mark(RunStamps::kLaunched);
  std::vector<RunOutput> results = CollectOutputs(out.handles, keepOnDevice);
  if (stream_ != nullptr) backend->WaitStream(stream_);
  if (stamps != nullptr) stamps->Mark(RunStamps::kSynced);
  return results;
}

// Host outputs are copied once, into a buffer that becomes the output's ArrayBuffer; on CUDA that
// copy is queued on the run's stream (the caller waits for it).
std::vector<RunOutput> ModelContainer::CollectOutputs(std::vector<AtenTensorHandle>& out, bool keepOnDevice) {
  TensorBackend* backend = CurrentBackend();
  std::vector<RunOutput> results(out.size());
  HandleList scratch;
  for (size_t i = 0; i < out.size(); i++) {
    TensorInfo info = backend->Inspect(out[i]);
    RunOutput& r = results[i];
    r.shape = info.sizes;
    r.dtype = backend->DTypeFromCode(info.dtypeCode);
    if (r.dtype < 0) throw NativeError("NATIVE_BAD_DTYPE", "output " + std::to_string(i) + " has an unsupported dtype");
    const DType dtype = static_cast<DType>(r.dtype);
    r.bytes = ByteSize(r.shape, dtype);
    AtenTensorHandle source = out[i];
    if (!info.contiguous()) {
      // A strided output (a view): made contiguous where it lives, on the run's stream.
      scratch.handles.push_back(backend->Empty(r.shape, dtype, info.cuda ? device_ : DeviceRef{}));
      backend->Copy(scratch.handles.back(), source);
      source = scratch.handles.back();
      info.data = backend->Inspect(source).data;
    }
    if (keepOnDevice && info.cuda) {
      auto dt = std::make_shared<DeviceTensor>();
      dt->handle = backend->Alias(source);
      dt->dtype = dtype;
      dt->shape = r.shape;
      dt->deviceIndex = device_.index;
      dt->bytes = r.bytes;
      r.device = std::move(dt);
      continue;
    }
    r.host = outputPool_->Acquire(r.bytes);
    if (r.bytes == 0) continue;
    if (info.cuda)
      backend->CopyAsync(r.host.get(), info.data, r.bytes, CopyKind::DeviceToHost, stream_);
    else
      std::memcpy(r.host.get(), info.data, r.bytes);
  }
  return results;
}

std::vector<std::pair<std::string, uintptr_t>> ModelContainer::BoundPointers() {
  TensorBackend* backend = CurrentBackend();
  std::lock_guard<std::mutex> lock(runMutex_);
  std::vector<std::pair<std::string, uintptr_t>> result;
  auto fqnOf = [this](const std::string& name) {
    for (const auto& c : constants_)
      if (c.name == name) return c.fqn.empty() ? c.name : c.fqn;
    return name;
  };
  // Prefer what the container itself reports; fall back to what we handed it.
  const ConstantMapEntry* entries = nullptr;
  size_t n = 0;
  if (abi_.extractEntries != nullptr && abi_.extractEntries(handle_, &entries, &n, false) == 0) {
    for (size_t i = 0; i < n; i++)
      result.emplace_back(entries[i].name, reinterpret_cast<uintptr_t>(backend->Inspect(entries[i].handle).data));
    return result;
  }
  for (const auto& [name, handle] : bound_)
    result.emplace_back(fqnOf(name), reinterpret_cast<uintptr_t>(backend->Inspect(handle).data));
  return result;
}

ModelContainer::~ModelContainer() {
  if (handle_ != nullptr) {
    try {
      CurrentBackend()->UseDevice(device_);  // the container frees its device memory and events
    } catch (...) {
      // Deleting anyway is the best left to do in a destructor.
    }
    abi_.destroy(handle_);
    modules_.UnloadAll();  // after the model's kernels are gone, in the device's context
    for (AtenTensorHandle alias : orphanedAliases_) CurrentBackend()->Release(alias);
  }
  if (stream_ != nullptr) CurrentBackend()->DestroyStream(stream_);
  CloseModelLibrary(soPath_, lib_);
}

}  // namespace aotihub
