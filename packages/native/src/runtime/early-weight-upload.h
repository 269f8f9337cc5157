// The weight set's upload, started before libtorch is loaded (issue 14 goal 2: the weights were read
// and uploaded only once libtorch's ~0.4 s dlopen had ended, though the CUDA context exists long
// before). A native thread lays the set out as WeightStore would, allocates one device blob and
// fills it through the CUDA driver alone (driver-upload-backend.h) while the dlopen runs; the first
// CUDA WeightStore::Build of the same files adopts it (its tensors become views on that blob) instead
// of uploading again. One per process, only before any backend exists (later loads find libtorch
// loaded and upload as before) and in the ring upload mode; a set that is not adopted is dropped.
#pragma once
#include <memory>
#include <vector>

#include "weight-store.h"

namespace aotihub {

// Device memory allocated by the driver (cuMemAlloc), freed by the driver on its own context.
class DriverBlob {
 public:
  DriverBlob(unsigned long long address, size_t bytes, void* context) : address_(address), bytes_(bytes), context_(context) {}
  ~DriverBlob();
  DriverBlob(const DriverBlob&) = delete;
  DriverBlob& operator=(const DriverBlob&) = delete;
  uint8_t* data() const { return reinterpret_cast<uint8_t*>(address_); }
  size_t bytes() const { return bytes_; }

 private:
  unsigned long long address_;
  size_t bytes_;
  void* context_;
};

struct EarlyUploadTimes {
  double from = 0, to = 0;  // steady-clock ms; 0: not run
};

// Starts the upload on its own thread; false where it does not start (a backend is loaded, not a
// GPU, another upload mode, one already started, no driver).
bool StartEarlyWeightUpload(std::vector<WeightFileSpec> files, DeviceRef device);
// Waits for the started upload and hands over its blob where it holds these very files (same paths,
// tensors, device) and succeeded; null otherwise (nothing started, failed, or other files: then it
// stays for DropEarlyWeightUpload).
std::unique_ptr<DriverBlob> TakeEarlyWeightUpload(const std::vector<WeightFileSpec>& files, DeviceRef device,
                                                  EarlyUploadTimes& times);
// Waits for a started upload and frees what was not taken (a load that failed, or other files).
void DropEarlyWeightUpload();

}  // namespace aotihub
