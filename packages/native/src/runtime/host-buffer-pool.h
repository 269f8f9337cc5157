// Reusable host buffers for run inputs and outputs: page-locked on CUDA (so copies are plain DMA,
// asynchronous on the run's stream), 64-byte aligned on the CPU (as torch's allocator would give).
// A lease returns its buffer to the pool when the last holder drops it, so a buffer handed to JS as
// an output's ArrayBuffer comes back when the GC collects it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace aotihub {

class HostBufferPool : public std::enable_shared_from_this<HostBufferPool> {
 public:
  static std::shared_ptr<HostBufferPool> Create(bool pinned);
  ~HostBufferPool();
  HostBufferPool(const HostBufferPool&) = delete;
  HostBufferPool& operator=(const HostBufferPool&) = delete;

  // At least `bytes` (a zero-byte lease still has a valid pointer).
  std::shared_ptr<uint8_t> Acquire(size_t bytes);
  bool pinned() const { return pinned_; }

 private:
  explicit HostBufferPool(bool pinned) : pinned_(pinned) {}
  void Return(uint8_t* data, size_t capacity);

  struct Free {
    uint8_t* data;
    size_t capacity;
  };
  const bool pinned_;
  std::mutex mutex_;
  std::vector<Free> free_;
  size_t freeBytes_ = 0;
};

}  // namespace aotihub
