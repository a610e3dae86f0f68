// Proof that a stretch of GPU work never waits for the host: while a ForbidDeviceSync is alive,
// any call that synchronises the host with a GPU throws (CUDA's sync debug mode, what
// torch.cuda.set_sync_debug_mode("error") sets). In builds without CUDA it does nothing, as
// CPU computing has no such synchronisation.
#pragma once

namespace ekt {

class ForbidDeviceSync {
 public:
  explicit ForbidDeviceSync(bool active);
  ~ForbidDeviceSync();
  ForbidDeviceSync(const ForbidDeviceSync&) = delete;
  ForbidDeviceSync& operator=(const ForbidDeviceSync&) = delete;

 private:
  int previous_ = -1;  // the mode to restore; -1: none changed
};

}  // namespace ekt
