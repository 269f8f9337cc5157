#include "host-buffer-pool.h"

#include "../backend/tensor-backend.h"

namespace aotihub {

namespace {
// Kept idle at most: enough for a few calls' worth of I/O without holding page-locked memory forever.
constexpr size_t kMaxIdleBuffers = 32;
constexpr size_t kMaxIdleBytes = 256u << 20;

size_t SizeClass(size_t bytes) {
  size_t capacity = 4096;
  while (capacity < bytes) capacity *= 2;
  return capacity;
}
}  // namespace

std::shared_ptr<HostBufferPool> HostBufferPool::Create(bool pinned) {
  return std::shared_ptr<HostBufferPool>(new HostBufferPool(pinned));
}

std::shared_ptr<uint8_t> HostBufferPool::Acquire(size_t bytes) {
  const size_t capacity = SizeClass(bytes);
  uint8_t* data = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < free_.size(); i++) {
      if (free_[i].capacity == capacity) {
        data = free_[i].data;
        freeBytes_ -= capacity;
        free_[i] = free_.back();
        free_.pop_back();
        break;
      }
    }
  }
  if (data == nullptr) data = static_cast<uint8_t*>(CurrentBackend()->AllocHost(capacity, pinned_));
  auto self = shared_from_this();
  return std::shared_ptr<uint8_t>(data, [self, capacity](uint8_t* p) { self->Return(p, capacity); });
}

void HostBufferPool::Return(uint8_t* data, size_t capacity) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() < kMaxIdleBuffers && freeBytes_ + capacity <= kMaxIdleBytes) {
      free_.push_back({data, capacity});
      freeBytes_ += capacity;
      return;
    }
  }
  CurrentBackend()->FreeHost(data, pinned_);
}

HostBufferPool::~HostBufferPool() {
  if (free_.empty()) return;
  try {  // never throws: a throwing destructor ends the process
    TensorBackend* backend = CurrentBackend();
    for (const auto& f : free_) backend->FreeHost(f.data, pinned_);
  } catch (...) {
  }
}

}  // namespace aotihub
