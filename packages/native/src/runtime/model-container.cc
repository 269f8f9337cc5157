#include "model-container.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

#include "../common/native-error.h"

namespace aotihub {

namespace {

template <typename F>
void Bind(void* lib, F& slot, const char* name, bool required, const std::string& soPath) {
  slot = reinterpret_cast<F>(::dlsym(lib, name));
  if (slot == nullptr && required)
    throw NativeError("NATIVE_NOT_AOTI", soPath + " does not export " + name + ": not an AOTInductor model");
}

void Check(Rc rc, const char* call) {
  if (rc != 0)
    throw NativeError("NATIVE_MODEL", std::string(call) + " failed (the model printed the cause on stderr)");
}

constexpr size_t kInputAlignment = 64;

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

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
  self->lib_ = ::dlopen(soPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (self->lib_ == nullptr) {
    const char* why = ::dlerror();
    throw NativeError("NATIVE_SO_LOAD", std::string("dlopen ") + soPath + ": " + (why ? why : "unknown failure"));
  }
  auto& a = self->abi_;
  Bind(self->lib_, a.create, "AOTInductorModelContainerCreateWithDevice", true, soPath);
  Bind(self->lib_, a.destroy, "AOTInductorModelContainerDelete", true, soPath);
  Bind(self->lib_, a.run, "AOTInductorModelContainerRun", true, soPath);
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
  const std::string deviceStr = device.cuda ? "cuda:" + std::to_string(device.index) : "cpu";
  CurrentBackend()->UseDevice(device);
  Check(a.create(&self->handle_, 1, deviceStr.c_str(), cubinDir.empty() ? nullptr : cubinDir.c_str()),
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
}

std::vector<RunOutput> ModelContainer::Run(const std::vector<RunInput>& inputs, bool keepOnDevice) {
  TensorBackend* backend = CurrentBackend();
  std::lock_guard<std::mutex> lock(runMutex_);
  backend->UseDevice(device_);
  if (inputs.size() != inputNames_.size())
    throw NativeError("NATIVE_INPUT", "model takes " + std::to_string(inputNames_.size()) + " inputs, got " +
                                          std::to_string(inputs.size()));
  std::vector<AtenTensorHandle> in;
  std::vector<std::unique_ptr<uint8_t, FreeDeleter>> scratch;
  try {
    for (const auto& input : inputs) {
      if (input.deviceTensor != nullptr) {
        in.push_back(backend->Alias(input.deviceTensor));
        continue;
      }
      // Aliasing JS memory is safe (the worker keeps the array alive). A view that is not 64-byte
      // aligned, as torch's allocator would give, is copied: measured on CPU, inputs at 4 or 8 mod 16
      // made the kernels round differently from eager PyTorch.
      void* data = const_cast<uint8_t*>(input.data);
      if (reinterpret_cast<uintptr_t>(data) % kInputAlignment != 0) {
        void* aligned = std::aligned_alloc(kInputAlignment, (input.bytes + kInputAlignment - 1) / kInputAlignment * kInputAlignment + kInputAlignment);
        if (aligned == nullptr) throw NativeError("NATIVE_OOM", "cannot allocate an aligned input copy");
        scratch.emplace_back(static_cast<uint8_t*>(aligned));
        std::memcpy(aligned, input.data, input.bytes);
        data = aligned;
      }
      AtenTensorHandle host = backend->FromBlob(data, input.shape, input.dtype, DeviceRef{});
      if (!device_.cuda) {
        in.push_back(host);
        continue;
      }
      AtenTensorHandle dev = nullptr;
      try {
        dev = backend->Empty(input.shape, input.dtype, device_);
        backend->Copy(dev, host);
      } catch (...) {
        backend->Release(host);
        backend->Release(dev);
        throw;
      }
      backend->Release(host);
      in.push_back(dev);
    }
  } catch (...) {
    for (auto h : in) backend->Release(h);
    throw;
  }
  std::vector<AtenTensorHandle> out(outputNames_.size(), nullptr);
  // Run steals the input handles, success or not.
  ProxyExecutorAbi* executor = executor_.get();
  if (abi_.run(handle_, in.data(), in.size(), out.data(), out.size(), nullptr, executor) != 0) {
    const std::string opError = executor_ ? executor_->TakeLastError() : std::string();
    if (!opError.empty()) throw NativeError("NATIVE_KERNEL_CALL", opError);
    Check(1, "AOTInductorModelContainerRun");
  }
  std::vector<RunOutput> results(out.size());
  try {
    for (size_t i = 0; i < out.size(); i++) {
      TensorInfo info = backend->Inspect(out[i]);
      RunOutput& r = results[i];
      r.shape = info.sizes;
      r.dtype = backend->DTypeFromCode(info.dtypeCode);
      if (r.dtype < 0) throw NativeError("NATIVE_BAD_DTYPE", "output " + std::to_string(i) + " has an unsupported dtype");
      if (keepOnDevice && info.cuda) {
        r.deviceTensor = out[i];
        out[i] = nullptr;
        continue;
      }
      size_t numel = 1;
      for (int64_t d : r.shape) numel *= static_cast<size_t>(d);
      r.bytes = numel * DTypeSize(static_cast<DType>(r.dtype));
      r.host.reset(new uint8_t[r.bytes == 0 ? 1 : r.bytes]);
      // copy_ into our own contiguous buffer: handles strided outputs and device -> host alike.
      AtenTensorHandle dst = backend->FromBlob(r.host.get(), r.shape, static_cast<DType>(r.dtype), DeviceRef{});
      try {
        backend->Copy(dst, out[i]);
      } catch (...) {
        backend->Release(dst);
        throw;
      }
      backend->Release(dst);
      backend->Release(out[i]);
      out[i] = nullptr;
    }
  } catch (...) {
    for (auto h : out) backend->Release(h);
    for (auto& r : results) backend->Release(r.deviceTensor);
    throw;
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
  }
  if (lib_ != nullptr) ::dlclose(lib_);
}

}  // namespace aotihub
