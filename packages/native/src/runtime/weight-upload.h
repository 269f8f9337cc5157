// Host -> device upload of a weight file's tensors into device memory that already exists. The file
// is a PROT_READ MAP_SHARED mapping (the page cache's own pages), cut into page-aligned chunks that
// two kinds of CPU workers take from the two ends of one work list:
//  - registration workers (from the front) page-lock a chunk in place with cudaHostRegister and queue
//    its DMA on their own stream: no copy by the CPU, but locking is serialized by the driver;
//  - ring workers (from the back) memcpy the chunk through leased pinned staging slots (pinned-ring.h)
//    and queue one DMA per slot: CPU copies, which scale with threads.
// Together they keep the PCIe link busier than either alone (docs/benchmarks.md, issue 14).
// AOTIHUB_UPLOAD_MODE = hybrid | register | ring picks which kinds run; AOTIHUB_UPLOAD_THREADS and
// AOTIHUB_UPLOAD_RING_THREADS their counts. Refused registration falls back to the ring; refused
// pinned memory falls back to pageable copies.
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

}  // namespace aotihub
