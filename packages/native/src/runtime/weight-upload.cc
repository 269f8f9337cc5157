#include "weight-upload.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "../backend/tensor-backend.h"

namespace aotihub {

namespace {

constexpr uint64_t kChunkBytes = 64ull << 20;

// Page-locking is CPU work that grows with the bytes (faulting and pinning every page): several
// threads register chunks side by side, each queueing its chunk's copies on its own stream as soon
// as the chunk is locked. AOTIHUB_UPLOAD_THREADS overrides the count (the benchmark compares them).
int UploadThreads() {
  const char* env = std::getenv("AOTIHUB_UPLOAD_THREADS");
  const int n = env != nullptr ? std::atoi(env) : 4;
  return std::max(1, std::min(n, 16));
}

struct Piece {
  uint64_t offset;  // in the mapping
  uint64_t bytes;
  uint8_t* device;
};

struct Chunk {
  uintptr_t begin;  // page-aligned host addresses
  uintptr_t end;
  std::vector<Piece> pieces;
};

}  // namespace

UploadPath UploadFromMapping(const Mapping& mapping, std::vector<UploadItem> items, int deviceIndex) {
  TensorBackend* backend = CurrentBackend();
  items.erase(std::remove_if(items.begin(), items.end(), [](const UploadItem& i) { return i.bytes == 0; }), items.end());
  if (items.empty()) return UploadPath::Registered;
  std::sort(items.begin(), items.end(), [](const UploadItem& a, const UploadItem& b) { return a.offset < b.offset; });

  // Registration works on whole pages: chunk boundaries are page-aligned, so no page is registered
  // twice, and each item is cut at the boundaries into pieces that lie in one chunk.
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const auto base = reinterpret_cast<uintptr_t>(mapping.data());
  const uintptr_t lo = (base + items.front().offset) / page * page;
  uint64_t maxEnd = 0;
  for (const auto& i : items) maxEnd = std::max(maxEnd, i.offset + i.bytes);
  const uintptr_t hi = (base + maxEnd + page - 1) / page * page;
  std::vector<Chunk> chunks;
  for (uintptr_t at = lo; at < hi; at += kChunkBytes) chunks.push_back({at, std::min<uintptr_t>(at + kChunkBytes, hi), {}});
  for (const auto& item : items) {
    uint64_t from = item.offset;
    const uint64_t to = item.offset + item.bytes;
    while (from < to) {
      const size_t c = static_cast<size_t>((base + from - lo) / kChunkBytes);
      const uint64_t pieceEnd = std::min<uint64_t>(to, chunks[c].end - base);
      chunks[c].pieces.push_back({from, pieceEnd - from, static_cast<uint8_t*>(item.device) + (from - item.offset)});
      from = pieceEnd;
    }
  }

  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::vector<size_t> refused;  // chunks whose registration failed: staged after the threads join
  std::exception_ptr failure;
  auto worker = [&] {
    void* stream = nullptr;
    std::vector<void*> registered;
    try {
      backend->UseDevice(DeviceRef{true, deviceIndex});
      stream = backend->CreateStream(deviceIndex);
      for (size_t c = next++; c < chunks.size(); c = next++) {
        if (!backend->RegisterHost(reinterpret_cast<void*>(chunks[c].begin), chunks[c].end - chunks[c].begin)) {
          std::lock_guard<std::mutex> lock(mutex);
          refused.push_back(c);
          continue;
        }
        registered.push_back(reinterpret_cast<void*>(chunks[c].begin));
        for (const auto& p : chunks[c].pieces)
          backend->CopyAsync(p.device, mapping.data() + p.offset, p.bytes, CopyKind::HostToDevice, stream);
      }
      backend->WaitStream(stream);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!failure) failure = std::current_exception();
      if (stream != nullptr) {
        try {
          backend->WaitStream(stream);
        } catch (...) {
        }
      }
    }
    // Unlocking is off the critical path only in part: it must finish before the mapping goes.
    for (void* p : registered) backend->UnregisterHost(p);
    if (stream != nullptr) backend->DestroyStream(stream);
  };
  const int n = std::min<int>(UploadThreads(), static_cast<int>(chunks.size()));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; t++) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  // Where locking was refused (no read-only registration, a locked-memory limit): pinned staging.
  for (size_t c : refused)
    for (const auto& p : chunks[c].pieces) backend->Upload(p.device, mapping.data() + p.offset, p.bytes, deviceIndex);
  return refused.empty() ? UploadPath::Registered : UploadPath::Staged;
}

}  // namespace aotihub
