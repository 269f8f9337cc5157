#include "weight-store.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "../common/native-error.h"

namespace aotihub {

std::shared_ptr<WeightStore> WeightStore::Build(const std::vector<WeightFileSpec>& files, DeviceRef device) {
  TensorBackend* backend = CurrentBackend();
  std::shared_ptr<WeightStore> store(new WeightStore());
  store->device_ = device;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& file : files) {
    auto mapping = Mapping::Open(file.path, 0, -1);
    for (const auto& spec : file.tensors) {
      // The TS reader checked these already; checking again keeps a lying file from ever being
      // read out of bounds, even if it changed in between.
      if (spec.byteOffset > mapping->size() || spec.byteLength > mapping->size() - spec.byteOffset)
        throw NativeError("NATIVE_RANGE", "tensor " + spec.name + " lies outside " + file.path);
      uint64_t numel = 1;
      for (int64_t d : spec.shape) numel *= static_cast<uint64_t>(d);
      if (numel * DTypeSize(spec.dtype) != spec.byteLength)
        throw NativeError("NATIVE_RANGE", "tensor " + spec.name + " has " + std::to_string(spec.byteLength) +
                                              " bytes, not dtype x shape");
      if (store->tensors_.count(spec.name) != 0)
        throw NativeError("NATIVE_DUPLICATE", "tensor " + spec.name + " appears twice in the weight set");
      uint8_t* src = mapping->data() + spec.byteOffset;
      StoredTensor stored;
      stored.dtype = spec.dtype;
      stored.shape = spec.shape;
      stored.bytes = spec.byteLength;
      if (device.cuda) {
        stored.handle = backend->Empty(spec.shape, spec.dtype, device);
        store->tensors_.emplace(spec.name, stored);  // owned from here on, even if the upload throws
        if (spec.byteLength > 0) backend->Upload(backend->Inspect(stored.handle).data, src, spec.byteLength, device.index);
      } else {
        void* data = src;
        // safetensors only promises an 8-byte aligned data section. CPU kernels took other (differently
        // rounding) paths for data not 16-byte aligned, so such a tensor is copied once to aligned memory.
        if (reinterpret_cast<uintptr_t>(src) % 16 != 0) {
          data = std::aligned_alloc(64, (spec.byteLength + 63) / 64 * 64);
          if (data == nullptr) throw NativeError("NATIVE_OOM", "cannot allocate " + std::to_string(spec.byteLength));
          std::memcpy(data, src, spec.byteLength);
          store->ownedCopies_.push_back(data);
        } else {
          stored.zeroCopy = true;
        }
        stored.handle = backend->FromBlob(data, spec.shape, spec.dtype, device);
        store->tensors_.emplace(spec.name, stored);
      }
      store->totalBytes_ += static_cast<double>(spec.byteLength);
    }
    // On CUDA the bytes now live on the device; the mapping is not needed past the upload.
    if (!device.cuda) store->mappings_.push_back(mapping);
  }
  if (device.cuda) backend->Synchronize(device.index);
  store->uploadMs_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return store;
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

WeightStore::~WeightStore() {
  TensorBackend* backend = CurrentBackend();
  for (auto& [name, t] : tensors_) backend->Release(t.handle);
  for (void* p : ownedCopies_) std::free(p);
}

}  // namespace aotihub
