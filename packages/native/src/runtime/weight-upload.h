// Host -> device upload of a weight file's tensors, fast path first: the file's page-cache pages
// (a PROT_READ MAP_SHARED mapping) are page-locked in place with cudaHostRegister, chunk by chunk,
// and each chunk is copied by DMA while the next one registers (two streams). Where registration is
// refused (no read-only registration support, locked-memory limits), the bytes go through pinned
// staging buffers instead.
#pragma once
#include <cstdint>
#include <vector>

#include "../io/mapping.h"

namespace aotihub {

struct UploadItem {
  uint64_t offset;  // in the mapping
  uint64_t bytes;
  void* device;  // destination
};

enum class UploadPath { Registered, Staged };

UploadPath UploadFromMapping(const Mapping& mapping, std::vector<UploadItem> items, int deviceIndex);

}  // namespace aotihub
