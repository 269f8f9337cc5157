#include "weight-store.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../common/native-error.h"
#include "cuda-prewarm.h"
#include "weight-upload.h"

namespace aotihub {

namespace {

// cudaMalloc's own alignment: every view starts where a separate allocation would have.
constexpr uint64_t kDeviceAlignment = 256;

uint64_t AlignUp(uint64_t n) { return (n + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment; }

// The TS reader checked these already; checking again keeps a lying file from ever being read out
// of bounds, even if it changed in between.
void CheckSpec(const TensorSpec& spec, const Mapping& mapping, const std::string& path) {
  if (spec.byteOffset > mapping.size() || spec.byteLength > mapping.size() - spec.byteOffset)
    throw NativeError("NATIVE_RANGE", "tensor " + spec.name + " lies outside " + path);
  uint64_t numel = 1;
  for (int64_t d : spec.shape) numel *= static_cast<uint64_t>(d);
  if (numel * DTypeSize(spec.dtype) != spec.byteLength)
    throw NativeError("NATIVE_RANGE", "tensor " + spec.name + " has " + std::to_string(spec.byteLength) +
                                          " bytes, not dtype x shape");
}

// A load frees most of what it allocated (file parsing, the containers' set-up, the worker threads'
// scratch), but glibc keeps freed memory in each thread's arena up to its dynamic trim threshold
// (which rises to 2x the largest freed mmapped chunk, up to 64 MiB per arena): load/dispose cycles
// then look like RSS growth until every arena has reached it. malloc_trim hands the free pages
// inside every arena back (~2 ms; CPU, tiny MLP: 0.1-37 MiB, by what the main arena held; H200,
// slot 1: the main arena's +7 MiB over 300 cycles gone; not the top of another thread's arena:
// docs/benchmarks.md, "What stays after a load/run/dispose cycle"). The last part of a model to go
// is its weight store, so that happens there, once per disposed model.
// AOTIHUB_MALLOC_TRIM=0 leaves them (bench/gpu/rss compares both).
void ReleaseFreedHeap() {
#if defined(__GLIBC__)
  static const bool off = [] {
    const char* env = std::getenv("AOTIHUB_MALLOC_TRIM");
    return env != nullptr && std::strcmp(env, "0") == 0;
  }();
  if (!off) ::malloc_trim(0);
#endif
}

}  // namespace

std::shared_ptr<WeightStore> WeightStore::Build(const std::vector<WeightFileSpec>& files, DeviceRef device) {
  std::shared_ptr<WeightStore> store(new WeightStore());
  store->device_ = device;
  store->builtFrom_ = MonotonicMs();
  if (device.cuda) {
    // A prewarm thread may be creating this process's CUDA context right now: the upload would
    // only queue behind it inside the driver, so it waits here, where the wait can be measured.
    WaitCudaPrewarmContext();
    store->contextWaitMs_ = MonotonicMs() - store->builtFrom_;
  }
  const auto start = std::chrono::steady_clock::now();
  if (device.cuda)
    store->BuildOnDevice(files);
  else
    store->BuildOnHost(files);
  store->uploadMs_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  store->builtAt_ = MonotonicMs();
  return store;
}

void WeightStore::Add(const std::string& name, StoredTensor stored) {
  if (!tensors_.emplace(name, stored).second) {
    CurrentBackend()->Release(stored.handle);
    throw NativeError("NATIVE_DUPLICATE", "tensor " + name + " appears twice in the weight set");
  }
  totalBytes_ += static_cast<double>(stored.bytes);
}

// CPU: tensors over the mapped file itself (zero-copy), except where alignment forbids it.
void WeightStore::BuildOnHost(const std::vector<WeightFileSpec>& files) {
  TensorBackend* backend = CurrentBackend();
  for (const auto& file : files) {
    auto mapping = Mapping::Open(file.path, 0, -1);
    mappings_.push_back(mapping);
    for (const auto& spec : file.tensors) {
      CheckSpec(spec, *mapping, file.path);
      uint8_t* src = mapping->data() + spec.byteOffset;
      StoredTensor stored{spec.dtype, spec.shape, spec.byteLength, nullptr, false};
      void* data = src;
      // safetensors only promises an 8-byte aligned data section. CPU kernels took other (differently
      // rounding) paths for data not 16-byte aligned, so such a tensor is copied once to aligned memory.
      if (reinterpret_cast<uintptr_t>(src) % 16 != 0) {
        data = std::aligned_alloc(64, (spec.byteLength + 63) / 64 * 64 + 64);
        if (data == nullptr) throw NativeError("NATIVE_OOM", "cannot allocate " + std::to_string(spec.byteLength));
        std::memcpy(data, src, spec.byteLength);
        ownedCopies_.push_back(data);
      } else {
        stored.zeroCopy = true;
      }
      stored.handle = backend->FromBlob(data, spec.shape, spec.dtype, device_);
      Add(spec.name, stored);
    }
  }
}

// CUDA: one device allocation for the whole set, each tensor a view at an aligned offset, filled
// from the files' shared read-only mappings in one upload (see weight-upload.h); the mappings go after.
void WeightStore::BuildOnDevice(const std::vector<WeightFileSpec>& files) {
  TensorBackend* backend = CurrentBackend();
  backend->UseDevice(device_);
  std::vector<std::shared_ptr<Mapping>> mappings;
  uint64_t total = 0;
  for (const auto& file : files) {
    mappings.push_back(Mapping::Open(file.path, 0, -1, true));
    for (const auto& spec : file.tensors) {
      CheckSpec(spec, *mappings.back(), file.path);
      total += AlignUp(spec.byteLength);
    }
  }
  if (total == 0) total = kDeviceAlignment;
  blob_ = backend->Empty({static_cast<int64_t>(total)}, DType::U8, device_);
  auto* base = static_cast<uint8_t*>(backend->Inspect(blob_).data);
  uint64_t at = 0;
  std::vector<FileUpload> uploads;
  for (size_t f = 0; f < files.size(); f++) {
    std::vector<UploadItem> items;
    for (const auto& spec : files[f].tensors) {
      StoredTensor stored{spec.dtype, spec.shape, spec.byteLength, nullptr, false};
      stored.handle = backend->FromBlob(base + at, spec.shape, spec.dtype, device_);
      Add(spec.name, stored);
      items.push_back({spec.byteOffset, spec.byteLength, base + at});
      at += AlignUp(spec.byteLength);
    }
    uploads.push_back({std::move(mappings[f]), std::move(items)});
  }
  // All files in one go (one work list for every upload thread); the mappings go when done.
  const bool staged = UploadFiles(std::move(uploads), device_.index) == UploadPath::Staged;
  backend->Synchronize(device_.index);
  uploadPath_ = staged ? "staged" : "registered";
}

const StoredTensor* WeightStore::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

size_t WeightStore::zeroCopyCount() const {
  size_t n = 0;
  for (const auto& [name, t] : tensors_) n += t.zeroCopy ? 1 : 0;
  return n;
}

// Never throws (a throwing destructor ends the process): a store that failed before libtorch was
// loaded holds no tensor, so there is nothing to release without a backend.
WeightStore::~WeightStore() {
  try {
    if (!tensors_.empty() || blob_ != nullptr) {
      TensorBackend* backend = CurrentBackend();
      for (auto& [name, t] : tensors_) backend->Release(t.handle);
      backend->Release(blob_);  // after its views
    }
  } catch (...) {
  }
  for (void* p : ownedCopies_) std::free(p);
  mappings_.clear();
  ReleaseFreedHeap();
}

}  // namespace aotihub
