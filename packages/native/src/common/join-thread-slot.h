// A background thread kept behind a pointer that is never destroyed unjoined (a std::thread's
// destructor on a joinable thread ends the process): the first caller takes it from its slot under
// the lock and joins it outside the lock; later callers find the slot empty and return at once.
#pragma once
#include <mutex>
#include <thread>
#include <utility>

namespace aotihub {

inline void JoinThreadSlot(std::mutex& mutex, std::thread*& slot) {
  std::thread* thread = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex);
    std::swap(thread, slot);
  }
  if (thread != nullptr && thread->joinable()) thread->join();
  delete thread;
}

}  // namespace aotihub
