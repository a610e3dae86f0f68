#include "device/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "error.h"

namespace ekt {
namespace {

// libtorch 2.4 replaced the per-device functions by ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool enabled_for(torch::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void set_enabled_for(torch::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
torch::ScalarType dtype_for(torch::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void set_dtype_for(torch::DeviceType d, torch::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool enabled_for(torch::DeviceType d) { return d == torch::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled(); }
void set_enabled_for(torch::DeviceType d, bool on) {
  if (d == torch::kCPU) at::autocast::set_cpu_enabled(on); else at::autocast::set_enabled(on);
}
torch::ScalarType dtype_for(torch::DeviceType d) {
  return d == torch::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void set_dtype_for(torch::DeviceType d, torch::ScalarType t) {
  if (d == torch::kCPU) at::autocast::set_autocast_cpu_dtype(t); else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

}  // namespace

AutocastScope::AutocastScope(torch::DeviceType device, torch::ScalarType dtype, bool enabled)
    : device_(device), was_enabled_(enabled_for(device)), was_dtype_(dtype_for(device)),
      enabled_(enabled && dtype != torch::kFloat32) {
  EKT_CHECK(device == torch::kCPU || device == torch::kCUDA, "autocast: unsupported device type " << device);
  set_enabled_for(device_, enabled_);
  if (enabled_) set_dtype_for(device_, dtype);
}

AutocastScope::~AutocastScope() {
  set_enabled_for(device_, was_enabled_);
  set_dtype_for(device_, was_dtype_);
  // The weights' low-precision copies live in a thread-local cache until the outermost scope ends.
  if (enabled_ && !was_enabled_) at::autocast::clear_cache();
}

bool AutocastScope::active(torch::DeviceType device) { return enabled_for(device); }

torch::ScalarType AutocastScope::dtype(torch::DeviceType device) { return dtype_for(device); }

}  // namespace ekt
