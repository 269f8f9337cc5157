// A process-wide pool of page-locked staging slots, allocated once (cudaHostAlloc is slow: ~ms per
// MiB) and reused by every later load. Upload workers lease a few slots each, fill them with memcpy
// from the (pageable, mmapped) file and queue one DMA per slot; the slots go back to the pool after.
#pragma once
#include <cstddef>
#include <vector>

#include "../probe/cuda-driver.h"

namespace aotihub {

// `count` slots of PinnedSlotBytes() each, or fewer (none) where page-locked memory is refused.
std::vector<void*> LeasePinnedSlots(size_t count);
// Back to the idle pool: leased slots, or slots of PinnedSlotBytes() pinned ahead by the CUDA
// prewarm (cudaMallocHost of the same runtime, while libtorch loads).
void ReturnPinnedSlots(const std::vector<void*>& slots);
size_t PinnedSlotBytes();
// Pins the slots a load will want (PinnedSlotsWanted) ahead of it, through the driver (portable
// host allocations, as cudaMallocHost's are under unified addressing), with a context current on
// the calling thread. Once per process: the early driver start and the CUDA prewarm both offer to,
// and the first one does it (the other returns false at once). Fewer where locked memory runs out:
// the upload pins the rest.
bool PinStagingSlotsAhead(const cuda_driver::DriverApi& driver);

}  // namespace aotihub
