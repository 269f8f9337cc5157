// A device-resident tensor handed to JS. Its dtype, shape and GPU are recorded natively when it is
// made, so a run checks what JS claims against them instead of trusting a mutable JS object.
#pragma once
#include <vector>

#include "../backend/tensor-backend.h"

namespace aotihub {

struct DeviceTensor {
  AtenTensorHandle handle = nullptr;  // owned, contiguous
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  int deviceIndex = 0;
  size_t bytes = 0;
  DeviceTensor() = default;
  DeviceTensor(const DeviceTensor&) = delete;
  DeviceTensor& operator=(const DeviceTensor&) = delete;
  ~DeviceTensor() {
    if (handle != nullptr) CurrentBackend()->Release(handle);
  }
};

}  // namespace aotihub
