#include "weight-upload.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "../backend/tensor-backend.h"
#include "pinned-ring.h"

namespace aotihub {

namespace {

enum class Mode { Ring, Register, Hybrid };

// The ring is the default: on an H200 (16 cores) 8 ring threads uploaded at 84-88% of a pinned copy,
// while registering file pages, alone or beside the ring, stayed at 45-69% (registration serializes
// in the driver and slows the ring's copies too; docs/benchmarks.md, issue 14). The other modes stay
// selectable for measurements on other machines: AOTIHUB_UPLOAD_MODE = ring | register | hybrid.
Mode UploadMode() {
  const char* env = std::getenv("AOTIHUB_UPLOAD_MODE");
  if (env == nullptr) return Mode::Ring;
  if (std::strcmp(env, "register") == 0) return Mode::Register;
  if (std::strcmp(env, "hybrid") == 0) return Mode::Hybrid;
  return Mode::Ring;
}

int EnvInt(const char* name, int fallback, int lo, int hi) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == 0) return fallback;
  return std::max(lo, std::min(std::atoi(env), hi));
}

// The work list is cut into blocks; a registration worker locks a run of blocks at once (one
// cudaHostRegister per ~64 MiB: the call has a fixed cost), a ring worker copies one block at a time,
// so when the two ends meet, the last piece of work is small and no thread waits long on another.
uint64_t BlockBytes() { return static_cast<uint64_t>(EnvInt("AOTIHUB_UPLOAD_BLOCK_MB", 4, 1, 256)) << 20; }
uint64_t ChunkBytes() { return static_cast<uint64_t>(EnvInt("AOTIHUB_UPLOAD_CHUNK_MB", 64, 1, 1024)) << 20; }
bool Populate() { return std::getenv("AOTIHUB_UPLOAD_POPULATE") != nullptr; }
bool AsyncUnregister() {
  const char* env = std::getenv("AOTIHUB_UPLOAD_UNREGISTER");
  return env == nullptr || std::strcmp(env, "sync") != 0;
}
bool Trace() { return std::getenv("AOTIHUB_UPLOAD_TRACE") != nullptr; }

// memcpy threads: 8 filled the link on 16 cores (12 gave no more); half the cores where there are fewer.
int RingThreads(Mode mode) {
  if (mode == Mode::Register) return 0;
  const int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  return EnvInt("AOTIHUB_UPLOAD_RING_THREADS", std::min(8, cores / 2), 1, 32);
}

constexpr size_t kSlotsPerRingWorker = 2;  // one filling while the other's DMA runs

struct Piece {
  const uint8_t* host;  // in a mapping
  uint64_t bytes;
  uint8_t* device;
};

struct Chunk {
  uintptr_t begin;  // page-aligned host addresses
  uintptr_t end;
  size_t file;      // index of its mapping
  size_t fileEnd;   // index of the first chunk of the next file (a registration never spans two)
  std::vector<Piece> pieces;
};

// Unlocking registered pages costs about as much as locking them; it must finish before the mapping
// goes, but nobody waits for it: one process-wide thread does it, holding the mapping until done.
// Never destroyed (a static destructor could run after the CUDA runtime is gone).
class Cleanup {
 public:
  static Cleanup& Get() {
    static Cleanup* cleanup = new Cleanup();
    return *cleanup;
  }
  void Push(std::shared_ptr<Mapping> mapping, std::vector<void*> registered) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!started_) {
      try {
        std::thread([this] { Loop(); }).detach();
      } catch (const std::system_error&) {  // no thread to spare: unlock here, then the mapping goes
        lock.unlock();
        for (void* p : registered) CurrentBackend()->UnregisterHost(p);
        return;
      }
      // Registered after the CUDA runtime's own exit handler (CUDA is initialized by now), so it runs
      // before it: no unlock is left half done while the runtime tears down.
      std::atexit([] { Get().Drain(); });
      started_ = true;
    }
    queue_.push_back({std::move(mapping), std::move(registered)});
    pending_++;
    wake_.notify_all();
  }
  void Drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  struct Job {
    std::shared_ptr<Mapping> mapping;
    std::vector<void*> registered;
  };
  void Loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      for (void* p : job.registered) CurrentBackend()->UnregisterHost(p);
      job.mapping.reset();
      std::lock_guard<std::mutex> lock(mutex_);
      pending_--;
      idle_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  size_t pending_ = 0;  // queued or in progress
  std::deque<Job> queue_;
  bool started_ = false;
};

// The shared work list of blocks: registration workers take runs from the front, ring workers from
// the back; [first, last) is what a call got.
class WorkList {
 public:
  explicit WorkList(const std::vector<Chunk>& chunks) : chunks_(chunks), back_(chunks.size()) {}
  bool Front(size_t want, size_t& first, size_t& last) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (front_ >= back_) return false;
    first = front_;
    front_ = std::min({back_, front_ + want, chunks_[front_].fileEnd});
    last = front_;
    return true;
  }
  bool Back(size_t want, size_t& first, size_t& last) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (front_ >= back_) return false;
    last = back_;
    back_ = back_ - std::min(want, back_ - front_);
    first = back_;
    return true;
  }

 private:
  const std::vector<Chunk>& chunks_;
  std::mutex mutex_;
  size_t front_ = 0;
  size_t back_;
};

// Copies one chunk's pieces through two leased pinned slots, each with its own stream: the CPU fills
// one slot while the other's DMA runs. Without slots (locked memory refused): pageable copies.
class RingCopier {
 public:
  RingCopier(TensorBackend* backend, int deviceIndex) : backend_(backend) {
    slots_ = LeasePinnedSlots(kSlotsPerRingWorker);
    slotBytes_ = PinnedSlotBytes();
    for (size_t i = 0; i < slots_.size(); i++) streams_.push_back(backend_->CreateStream(deviceIndex));
    if (slots_.empty()) streams_.push_back(backend_->CreateStream(deviceIndex));
  }
  ~RingCopier() {
    for (void* s : streams_) {
      try {
        backend_->WaitStream(s);
      } catch (...) {
      }
      backend_->DestroyStream(s);
    }
    ReturnPinnedSlots(slots_);
  }
  bool pinned() const { return !slots_.empty(); }

  void CopyChunk(const Chunk& chunk) {
    if (Populate()) ::madvise(reinterpret_cast<void*>(chunk.begin), chunk.end - chunk.begin, 22 /* MADV_POPULATE_READ */);
    if (slots_.empty()) {
      for (const auto& p : chunk.pieces)
        backend_->CopyAsync(p.device, p.host, p.bytes, CopyKind::HostToDevice, streams_[0]);
      backend_->WaitStream(streams_[0]);
      return;
    }
    for (const auto& p : chunk.pieces) {
      uint64_t done = 0;
      while (done < p.bytes) {
        if (used_ == slotBytes_) Flush();
        const uint64_t n = std::min<uint64_t>(p.bytes - done, slotBytes_ - used_);
        if (used_ == 0) backend_->WaitStream(streams_[slot_]);  // its last DMA is done: reusable
        auto* dst = static_cast<uint8_t*>(slots_[slot_]) + used_;
        std::memcpy(dst, p.host + done, n);
        pending_.push_back({nullptr, n, p.device + done});
        pendingSrc_.push_back(dst);
        used_ += n;
        done += n;
      }
    }
    Flush();  // a block's DMA starts as soon as its bytes are staged
  }
  void Finish() {
    Flush();
    for (void* s : streams_) backend_->WaitStream(s);
  }

 private:
  void Flush() {
    if (used_ == 0) return;
    for (size_t i = 0; i < pending_.size(); i++)
      backend_->CopyAsync(pending_[i].device, pendingSrc_[i], pending_[i].bytes, CopyKind::HostToDevice,
                          streams_[slot_]);
    pending_.clear();
    pendingSrc_.clear();
    used_ = 0;
    slot_ = (slot_ + 1) % slots_.size();
  }
  TensorBackend* backend_;
  std::vector<void*> slots_;
  std::vector<void*> streams_;
  size_t slotBytes_ = 0;
  size_t slot_ = 0;
  uint64_t used_ = 0;
  std::vector<Piece> pending_;
  std::vector<uint8_t*> pendingSrc_;
};

double Ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

UploadPath UploadFiles(std::vector<FileUpload> files, int deviceIndex) {
  TensorBackend* backend = CurrentBackend();
  const auto start = std::chrono::steady_clock::now();

  // Registration works on whole pages: block boundaries are page-aligned (per file), so no page is
  // registered twice, and each item is cut at the boundaries into pieces that lie in one block.
  const uint64_t chunkBytes = BlockBytes();
  const size_t blocksPerRegistration = static_cast<size_t>(std::max<uint64_t>(1, ChunkBytes() / chunkBytes));
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  std::vector<Chunk> chunks;
  for (size_t f = 0; f < files.size(); f++) {
    auto& items = files[f].items;
    items.erase(std::remove_if(items.begin(), items.end(), [](const UploadItem& i) { return i.bytes == 0; }), items.end());
    if (items.empty()) continue;
    std::sort(items.begin(), items.end(), [](const UploadItem& a, const UploadItem& b) { return a.offset < b.offset; });
    const Mapping& mapping = *files[f].mapping;
    const auto base = reinterpret_cast<uintptr_t>(mapping.data());
    const uintptr_t lo = (base + items.front().offset) / page * page;
    uint64_t maxEnd = 0;
    for (const auto& i : items) maxEnd = std::max(maxEnd, i.offset + i.bytes);
    const uintptr_t hi = (base + maxEnd + page - 1) / page * page;
    const size_t firstChunk = chunks.size();
    for (uintptr_t at = lo; at < hi; at += chunkBytes)
      chunks.push_back({at, std::min<uintptr_t>(at + chunkBytes, hi), f, 0, {}});
    for (size_t c = firstChunk; c < chunks.size(); c++) chunks[c].fileEnd = chunks.size();
    for (const auto& item : items) {
      uint64_t from = item.offset;
      const uint64_t to = item.offset + item.bytes;
      while (from < to) {
        const size_t c = firstChunk + static_cast<size_t>((base + from - lo) / chunkBytes);
        const uint64_t pieceEnd = std::min<uint64_t>(to, chunks[c].end - base);
        chunks[c].pieces.push_back(
            {mapping.data() + from, pieceEnd - from, static_cast<uint8_t*>(item.device) + (from - item.offset)});
        from = pieceEnd;
      }
    }
  }
  if (chunks.empty()) return UploadPath::Registered;

  const Mode mode = UploadMode();
  int registerThreads = mode == Mode::Ring ? 0 : EnvInt("AOTIHUB_UPLOAD_THREADS", mode == Mode::Hybrid ? 2 : 4, 1, 16);
  int ringThreads = RingThreads(mode);
  const int total = static_cast<int>(std::min<size_t>(static_cast<size_t>(registerThreads + ringThreads), chunks.size()));
  if (registerThreads > total) registerThreads = total;
  ringThreads = std::min(ringThreads, total - registerThreads);

  WorkList work(chunks);
  std::mutex mutex;
  std::vector<size_t> refused;  // chunks whose registration failed: copied through the ring after
  std::vector<std::vector<void*>> registered(files.size());  // per file
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  bool stagedAny = false;
  double registerMs = 0, lockedMs = 0;
  auto fail = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failure) failure = std::current_exception();
    failed = true;
  };
  auto registerWorker = [&] {
    void* stream = nullptr;
    std::vector<std::pair<size_t, void*>> mine;
    double spent = 0;
    try {
      backend->UseDevice(DeviceRef{true, deviceIndex});
      stream = backend->CreateStream(deviceIndex);
      size_t first = 0, last = 0;
      while (!failed && work.Front(blocksPerRegistration, first, last)) {
        const auto t = std::chrono::steady_clock::now();
        const bool ok = backend->RegisterHost(reinterpret_cast<void*>(chunks[first].begin),
                                              chunks[last - 1].end - chunks[first].begin);
        spent += Ms(t);
        if (!ok) {
          std::lock_guard<std::mutex> lock(mutex);
          for (size_t c = first; c < last; c++) refused.push_back(c);
          continue;
        }
        mine.emplace_back(chunks[first].file, reinterpret_cast<void*>(chunks[first].begin));
        for (size_t c = first; c < last; c++)
          for (const auto& p : chunks[c].pieces)
            backend->CopyAsync(p.device, p.host, p.bytes, CopyKind::HostToDevice, stream);
      }
      backend->WaitStream(stream);
    } catch (...) {
      fail();
      if (stream != nullptr) {
        try {
          backend->WaitStream(stream);
        } catch (...) {
        }
      }
    }
    if (stream != nullptr) backend->DestroyStream(stream);
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [f, p] : mine) registered[f].push_back(p);
    registerMs += spent;
  };
  auto ringWorker = [&] {
    try {
      backend->UseDevice(DeviceRef{true, deviceIndex});
      RingCopier ring(backend, deviceIndex);
      size_t first = 0, last = 0;
      bool any = false;
      while (!failed && work.Back(1, first, last)) {
        ring.CopyChunk(chunks[first]);
        any = true;
      }
      ring.Finish();
      if (any) {
        std::lock_guard<std::mutex> lock(mutex);
        stagedAny = true;
      }
    } catch (...) {
      fail();
    }
  };
  // The calling thread is one of the workers; the others are started here. Every worker drains the
  // shared list, so where the system refuses a thread, the ones already running do its share.
  std::vector<std::thread> threads;
  const bool callerRegisters = registerThreads > 0;
  try {
    for (int t = 0; t < ringThreads - (callerRegisters ? 0 : 1); t++) threads.emplace_back(ringWorker);
    for (int t = 1; t < registerThreads; t++) threads.emplace_back(registerWorker);
  } catch (const std::system_error&) {
  }
  if (callerRegisters)
    registerWorker();
  else
    ringWorker();
  for (auto& t : threads) t.join();
  lockedMs = Ms(start);
  // Where locking was refused (no read-only registration, a locked-memory limit): the ring.
  if (!failure && !refused.empty()) {
    try {
      RingCopier ring(backend, deviceIndex);
      for (size_t c : refused) ring.CopyChunk(chunks[c]);
      ring.Finish();
      stagedAny = true;
    } catch (...) {
      fail();
    }
  }
  const auto unlockStart = std::chrono::steady_clock::now();
  for (size_t f = 0; f < files.size(); f++) {
    if (registered[f].empty()) continue;
    if (failure || !AsyncUnregister()) {
      for (void* p : registered[f]) backend->UnregisterHost(p);
    } else {
      Cleanup::Get().Push(files[f].mapping, std::move(registered[f]));
    }
  }
  if (Trace())
    std::fprintf(stderr,
                 "[upload] %s %zu files, %zu blocks of %llu MiB, %d register + %d ring threads: register %.1f ms "
                 "(summed), copies done at %.1f ms, unlock %.1f ms on the critical path\n",
                 mode == Mode::Hybrid ? "hybrid" : mode == Mode::Ring ? "ring" : "register", files.size(),
                 chunks.size(), static_cast<unsigned long long>(chunkBytes >> 20), registerThreads, ringThreads,
                 registerMs, lockedMs, Ms(unlockStart));
  if (failure) std::rethrow_exception(failure);
  return stagedAny ? UploadPath::Staged : UploadPath::Registered;
}

size_t PinnedSlotsWanted() { return static_cast<size_t>(RingThreads(UploadMode())) * kSlotsPerRingWorker; }

}  // namespace aotihub
