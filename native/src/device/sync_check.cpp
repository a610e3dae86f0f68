#include "device/sync_check.h"

#ifdef EKT_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace ekt {

ForbidDeviceSync::ForbidDeviceSync([[maybe_unused]] bool active) {
#ifdef EKT_WITH_CUDA
  if (!active) return;
  auto& state = c10::cuda::warning_state();
  previous_ = static_cast<int>(state.get_sync_debug_mode());
  state.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR);
#endif
}

ForbidDeviceSync::~ForbidDeviceSync() {
#ifdef EKT_WITH_CUDA
  if (previous_ >= 0) c10::cuda::warning_state().set_sync_debug_mode(static_cast<c10::cuda::SyncDebugMode>(previous_));
#endif
}

}  // namespace ekt
