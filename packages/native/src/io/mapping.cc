#include "mapping.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../common/native-error.h"

namespace aotihub {

namespace {
std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}
}  // namespace

std::shared_ptr<Mapping> Mapping::Open(const std::string& path, uint64_t offset, int64_t length,
                                       bool sharedReadOnly) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw NativeError(errno == ENOENT ? "NATIVE_NOT_FOUND" : "NATIVE_IO", Errno("cannot open", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    std::string message = Errno("cannot stat", path);
    ::close(fd);
    throw NativeError("NATIVE_IO", message);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw NativeError("NATIVE_IO", "not a regular file: " + path);
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  const uint64_t want = length < 0 ? (offset <= file_size ? file_size - offset : 0) : static_cast<uint64_t>(length);
  if (offset > file_size || want > file_size - offset) {
    ::close(fd);
    throw NativeError("NATIVE_RANGE", "range " + std::to_string(offset) + "+" + std::to_string(want) +
                                          " is outside " + path + " (" + std::to_string(file_size) + " bytes)");
  }
  std::shared_ptr<Mapping> mapping(new Mapping());
  mapping->file_size_ = file_size;
  mapping->size_ = static_cast<size_t>(want);
  if (want == 0) {
    ::close(fd);
    return mapping;
  }
  // mmap wants a page-aligned offset: map from the page start and point past the slack.
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t aligned = offset - offset % page;
  const size_t slack = static_cast<size_t>(offset - aligned);
  void* base = ::mmap(nullptr, slack + mapping->size_, sharedReadOnly ? PROT_READ : PROT_READ | PROT_WRITE,
                      sharedReadOnly ? MAP_SHARED : MAP_PRIVATE, fd, static_cast<off_t>(aligned));
  const int mmap_errno = errno;
  ::close(fd);
  if (base == MAP_FAILED) {
    errno = mmap_errno;
    throw NativeError("NATIVE_IO", Errno("cannot mmap", path));
  }
  mapping->base_ = base;
  mapping->base_length_ = slack + mapping->size_;
  mapping->data_ = static_cast<uint8_t*>(base) + slack;
  return mapping;
}

void Mapping::Unmap() {
  if (base_ != nullptr) ::munmap(base_, base_length_);
  base_ = nullptr;
  data_ = nullptr;
}

Mapping::~Mapping() { Unmap(); }

}  // namespace aotihub
