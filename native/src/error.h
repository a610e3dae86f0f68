// Errors of the core. Everything that can go wrong with user input throws ekt::Error with a
// message naming the file/tensor and the problem; api.cpp turns it into ekt_last_error().
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace ekt {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ekt

// EKT_CHECK(cond, "tensor " << name << " has shape " << shape): message is a stream expression.
#define EKT_CHECK(cond, msg)                    \
  do {                                          \
    if (!(cond)) {                              \
      std::ostringstream ekt_check_stream_;     \
      ekt_check_stream_ << msg;                 \
      throw ::ekt::Error(ekt_check_stream_.str()); \
    }                                           \
  } while (0)

#define EKT_FAIL(msg) EKT_CHECK(false, msg)
