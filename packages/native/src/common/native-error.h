// Errors thrown by native code carry a short stable code; the TS adapter maps it to an AotihubError
// with the user's stack (sharp style), so C++ never builds user-facing prose beyond the facts.
#pragma once
#include <stdexcept>
#include <string>

namespace aotihub {

class NativeError : public std::runtime_error {
 public:
  NativeError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace aotihub
