// Host -> device upload of a weight set's tensors into device memory that already exists. Each file
// is a PROT_READ MAP_SHARED mapping (the page cache's own pages), cut into page-aligned 4 MiB blocks
// in one work list for all files. Two kinds of CPU workers can take blocks from its two ends:
//  - ring workers (from the back; the default, alone) memcpy a block into one of their two leased
//    pinned staging slots (pinned-ring.h) and queue its DMA on the slot's stream, so copies by the
//    CPU and DMA overlap and several threads together fill the PCIe link;
//  - registration workers (from the front) page-lock a run of blocks in place with cudaHostRegister
//    and queue its DMA: no CPU copy, but locking is serialized by the driver, and unlocking (needed
//    before munmap) runs on a background thread that keeps the mapping alive.
// AOTIHUB_UPLOAD_MODE = ring | register | hybrid picks the kinds; AOTIHUB_UPLOAD_RING_THREADS and
// AOTIHUB_UPLOAD_THREADS their counts (bench/gpu/upload.bench.ts compares them). Refused registration
// falls back to the ring; refused pinned memory to plain pageable copies.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../io/mapping.h"

namespace aotihub {

struct UploadItem {
  uint64_t offset;  // in the mapping
  uint64_t bytes;
  void* device;  // destination
};

enum class UploadPath { Registered, Staged };

struct FileUpload {
  std::shared_ptr<Mapping> mapping;
  std::vector<UploadItem> items;
};

// Returns once every byte is on the device. All files share one work list (no per-file start-up and
// tail). Mappings are shared so that unlocking their registered pages (slow, and needed before
// munmap) can finish on a background thread that keeps them alive.
UploadPath UploadFiles(std::vector<FileUpload> files, int deviceIndex);

// How many pinned staging slots an upload of a large set leases at once (two per ring worker; none
// in register mode): what a prewarm can pin ahead so that the first load does not pay for it.
size_t PinnedSlotsWanted();

}  // namespace aotihub
