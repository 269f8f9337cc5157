// A private, read-only-by-file mapping of a byte range. Private (copy-on-write) so that a stray
// write through a JS view can neither crash the process nor reach the cached file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace aotihub {

class Mapping {
 public:
  // Maps [offset, offset + length) of `path`; length -1 means "to the end of the file".
  // `sharedReadOnly`: PROT_READ + MAP_SHARED, for native readers only (never handed to JS): the page
  // cache's own pages, no copy-on-write, and registrable with cudaHostRegister (read-only flag).
  static std::shared_ptr<Mapping> Open(const std::string& path, uint64_t offset, int64_t length,
                                       bool sharedReadOnly = false);
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  uint64_t fileSize() const { return file_size_; }
  bool unmapped() const { return base_ == nullptr && size_ != 0; }
  void Unmap();

 private:
  Mapping() = default;
  void* base_ = nullptr;
  size_t base_length_ = 0;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t file_size_ = 0;
};

}  // namespace aotihub
