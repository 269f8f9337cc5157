#include "pinned-ring.h"

#include <cstdlib>
#include <mutex>

#include "../backend/tensor-backend.h"
#include "weight-upload.h"

namespace aotihub {

namespace {

// Never destroyed: slots live as long as the process (freeing pinned memory at exit, after the CUDA
// runtime may be gone, could crash; the OS reclaims it anyway).
struct Pool {
  std::mutex mutex;
  std::vector<void*> idle;
  size_t slotBytes = 0;
  bool pinnedAhead = false;  // PinStagingSlotsAhead claimed
};

Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

// 4 MiB by default (one upload block): a DMA of 4 MiB already runs near full speed, and 2 slots for
// each of 8 workers keep the pool at 64 MiB of locked memory, allocated once per process (pinning
// costs time on the first load). AOTIHUB_UPLOAD_SLOT_MB overrides (bench).
size_t PinnedSlotBytes() {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  if (pool.slotBytes == 0) {
    const char* env = std::getenv("AOTIHUB_UPLOAD_SLOT_MB");
    const long mb = env != nullptr ? std::atol(env) : 4;
    pool.slotBytes = static_cast<size_t>(mb >= 1 && mb <= 256 ? mb : 4) << 20;
  }
  return pool.slotBytes;
}

std::vector<void*> LeasePinnedSlots(size_t count) {
  const size_t bytes = PinnedSlotBytes();
  Pool& pool = ThePool();
  std::vector<void*> slots;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    while (slots.size() < count && !pool.idle.empty()) {
      slots.push_back(pool.idle.back());
      pool.idle.pop_back();
    }
  }
  while (slots.size() < count) {
    try {
      slots.push_back(CurrentBackend()->AllocHost(bytes, true));
    } catch (...) {
      break;  // locked-memory limit: the caller works with what it got
    }
  }
  return slots;
}

void ReturnPinnedSlots(const std::vector<void*>& slots) {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.idle.insert(pool.idle.end(), slots.begin(), slots.end());
}

bool PinStagingSlotsAhead(const cuda_driver::DriverApi& driver) {
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (pool.pinnedAhead || driver.cuMemHostAlloc == nullptr) return false;
    pool.pinnedAhead = true;
  }
  constexpr unsigned int kPortable = 0x01;  // CU_MEMHOSTALLOC_PORTABLE
  std::vector<void*> slots;
  for (size_t i = 0, n = PinnedSlotsWanted(); i < n; i++) {
    void* slot = nullptr;
    if (driver.cuMemHostAlloc(&slot, PinnedSlotBytes(), kPortable) != 0 || slot == nullptr) break;
    slots.push_back(slot);
  }
  ReturnPinnedSlots(slots);
  return true;
}

}  // namespace aotihub
