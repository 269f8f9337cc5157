#include "early-weight-upload.h"

#include <condition_variable>
#include <stdexcept>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "../common/join-thread-slot.h"
#include "../common/monotonic-ms.h"
#include "pinned-ring.h"
#include "driver-upload-backend.h"
#include "weight-upload.h"

namespace aotihub {

namespace {

std::mutex g_mutex;
std::condition_variable g_done;
std::thread* g_thread = nullptr;  // joined through JoinThreadSlot
bool g_started = false;
bool g_running = false;
std::string g_key;
DeviceRef g_device;
std::unique_ptr<DriverBlob> g_blob;
EarlyUploadTimes g_times;

// What the adopting Build must have been asked for: every path and tensor spec, in order.
std::string KeyOf(const std::vector<WeightFileSpec>& files, DeviceRef device) {
  std::ostringstream key;
  key << device.cuda << ':' << device.index;
  for (const auto& f : files) {
    key << '|' << f.path;
    for (const auto& t : f.tensors) {
      key << ';' << t.name << ',' << static_cast<int>(t.dtype) << ',' << t.byteOffset << ',' << t.byteLength;
      for (int64_t d : t.shape) key << ',' << d;
    }
  }
  return key.str();
}

void Run(std::vector<WeightFileSpec> files, DeviceRef device) {
  std::unique_ptr<DriverBlob> blob;
  const double from = MonotonicMs();
  try {
    const cuda_driver::Driver& driver = cuda_driver::SharedDriver();
    if (!driver.loaded || !driver.api.cuMemAlloc_v2 || !driver.api.cuMemFree_v2) throw std::runtime_error("no driver");
    // The primary context: made by the --import start or the prewarm, or being made (the driver
    // then holds this retain until it is); not the prewarm's announcement, which waits behind
    // libtorch's dlopen when the --import start began it.
    DriverUploadBackend backend(driver.api, device.index);
    backend.UseDevice(device);
    // One set of staging slots: pinned here where nobody pins them yet, else theirs, awaited.
    if (!PinStagingSlotsAhead(driver.api)) WaitStagingSlotsAhead();
    DeviceBlobLayout layout = LayOutDeviceBlob(files);
    cuda_driver::CUdeviceptr address = 0;
    if (driver.api.cuMemAlloc_v2(&address, layout.total) != 0) throw std::runtime_error("cuMemAlloc");
    blob = std::make_unique<DriverBlob>(address, layout.total, backend.context());
    std::vector<FileUpload> uploads;
    for (size_t f = 0; f < files.size(); f++) {
      std::vector<UploadItem> items;
      for (size_t t = 0; t < files[f].tensors.size(); t++)
        items.push_back({files[f].tensors[t].byteOffset, files[f].tensors[t].byteLength, blob->data() + layout.offsets[f][t]});
      uploads.push_back({std::move(layout.mappings[f]), std::move(items)});
    }
    UploadFiles(std::move(uploads), device.index, &backend);
  } catch (...) {
    blob.reset();  // the load uploads as it always did
  }
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_blob = std::move(blob);
    g_times = {from, MonotonicMs()};
    g_running = false;
  }
  g_done.notify_all();
}

// Waits for the thread (none: at once) and joins it.
void WaitDone() {
  {
    std::unique_lock<std::mutex> lock(g_mutex);
    g_done.wait(lock, [] { return !g_running; });
  }
  JoinThreadSlot(g_mutex, g_thread);
}

}  // namespace

DriverBlob::~DriverBlob() {
  // On the blob's own context, whatever is current on this thread (restored after).
  const auto& api = cuda_driver::SharedDriver().api;
  if (api.cuCtxPushCurrent_v2 == nullptr || api.cuCtxPopCurrent_v2 == nullptr || api.cuMemFree_v2 == nullptr) return;
  if (api.cuCtxPushCurrent_v2(context_) != 0) return;
  api.cuMemFree_v2(address_);
  void* popped = nullptr;
  api.cuCtxPopCurrent_v2(&popped);
}

bool StartEarlyWeightUpload(std::vector<WeightFileSpec> files, DeviceRef device) {
  if (!device.cuda || HasBackend() || PinnedSlotsWanted() == 0) return false;  // ring mode only
  const cuda_driver::Driver& driver = cuda_driver::SharedDriver();
  if (!driver.loaded || !driver.api.cuMemAlloc_v2 || !driver.api.cuCtxPushCurrent_v2) return false;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_started) return false;
  g_key = KeyOf(files, device);
  g_device = device;
  try {
    g_thread = new std::thread(Run, std::move(files), device);
  } catch (...) {
    return false;
  }
  g_started = true;
  g_running = true;
  return true;
}

std::unique_ptr<DriverBlob> TakeEarlyWeightUpload(const std::vector<WeightFileSpec>& files, DeviceRef device,
                                                  EarlyUploadTimes& times) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_started || g_key.empty() || g_key != KeyOf(files, device)) return nullptr;
  }
  WaitDone();
  std::lock_guard<std::mutex> lock(g_mutex);
  times = g_times;
  g_key.clear();  // taken (or failed): never handed out twice
  return std::move(g_blob);
}

void DropEarlyWeightUpload() {
  WaitDone();
  std::unique_ptr<DriverBlob> left;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    left = std::move(g_blob);
    g_key.clear();
  }
}

}  // namespace aotihub
