#include "device/kernels.h"

#include <cstdlib>
#include <string>

#include "error.h"

namespace ekt {

bool portable_kernels() {
  static const bool portable = [] {
    const char* raw = std::getenv("EKT_KERNELS");
    const std::string value = raw ? raw : "";
    EKT_CHECK(value.empty() || value == "auto" || value == "portable",
              "EKT_KERNELS must be 'auto' or 'portable', got '" << value << "'");
    return value == "portable";
  }();
  return portable;
}

}  // namespace ekt
