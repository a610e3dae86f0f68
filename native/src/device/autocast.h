// Mixed precision by libtorch's autocast: while a scope is enabled on this thread, matrix
// products (linear, matmul) run in the low-precision type while softmax, norms and losses stay
// in float32, and the parameters themselves (master weights) and AdamW's state stay float32.
// Autocast state is thread-local: every worker thread opens its own scope.
#pragma once

#include <torch/torch.h>

namespace ekt {

class AutocastScope {
 public:
  // dtype kFloat32 (or `enabled` false): autocast off inside the scope, e.g. GPT-Neo's
  // attention scores, which Hugging Face computes in float32 whatever the model's type.
  AutocastScope(torch::DeviceType device, torch::ScalarType dtype, bool enabled = true);
  ~AutocastScope();  // restores the thread's previous state (and frees the cast-weight cache)
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  // Whether autocast is on for `device` on this thread.
  static bool active(torch::DeviceType device);
  // The type autocast casts to for `device` on this thread (meaningful while active).
  static torch::ScalarType dtype(torch::DeviceType device);

 private:
  torch::DeviceType device_;
  bool was_enabled_;
  torch::ScalarType was_dtype_;
  bool enabled_;
};

}  // namespace ekt
