// A process-wide pool of page-locked staging slots, allocated once (cudaHostAlloc is slow: ~ms per
// MiB) and reused by every later load. Upload workers lease a few slots each, fill them with memcpy
// from the (pageable, mmapped) file and queue one DMA per slot; the slots go back to the pool after.
#pragma once
#include <cstddef>
#include <vector>

namespace aotihub {

// `count` slots of PinnedSlotBytes() each, or fewer (none) where page-locked memory is refused.
std::vector<void*> LeasePinnedSlots(size_t count);
// Back to the idle pool: leased slots, or slots of PinnedSlotBytes() pinned ahead by the CUDA
// prewarm (cudaMallocHost of the same runtime, while libtorch loads).
void ReturnPinnedSlots(const std::vector<void*>& slots);
size_t PinnedSlotBytes();

}  // namespace aotihub
