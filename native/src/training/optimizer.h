// AdamW with the semantics of transformers.AdamW (the optimizer of the paper's HF Trainer):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)      (eps outside the correction)
//   p -= lr * wd * p                                                   (decoupled, after the update)
// Weight decay applies to matrices only: biases and normalisation weights (every tensor with
// fewer than two dimensions) are not decayed, as HF's Trainer excludes "bias" and LayerNorm.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "models/model.h"

namespace ekt {

struct AdamWOptions {
  double beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0;  // the caller's (TrainerOptions::parse)
  int threads = 1;  // CPU threads of the fused update
};

class AdamW {
 public:
  AdamW(const std::vector<Param>& params, AdamWOptions options);

  // One update at learning rate `lr`; every gradient is multiplied by grad_scale first (the
  // clipping coefficient), which the CPU kernel folds into its single pass over the tensors.
  void step(double lr, double grad_scale);
  // Global L2 norm of all gradients (torch.nn.utils.clip_grad_norm_'s total_norm).
  double grad_norm() const;
  // Drops the gradients (set to none): the next backward moves its result in without an add.
  void zero_grad();

  int64_t steps() const { return steps_; }
  const std::vector<Param>& params() const { return params_; }
  bool decays(size_t index) const { return params_[index].tensor.dim() >= 2; }
  // The moments as named tensors ("exp_avg.<param>", "exp_avg_sq.<param>"), for checkpoints.
  std::vector<std::pair<std::string, torch::Tensor>> state() const;
  // Restores moments and the step count; names and shapes must match this model.
  void load_state(const std::map<std::string, torch::Tensor>& tensors, int64_t steps, const std::string& source);
  // How step() updates. automatic: fused_cpu for contiguous float32 CPU tensors (not under
  // EKT_KERNELS=portable), fused_torch on CUDA where libtorch has it, foreach otherwise.
  //   fused_cpu: this file's single-pass CPU kernel, threaded.
  //   foreach: torch's multi-tensor ops, on any device (what the portable path runs).
  //   fused_torch: torch.optim.AdamW(fused=True)'s kernel (libtorch >= 2.1; CUDA, and the CPU from
  //   2.4), with its arguments mapped onto the transformers.AdamW update above.
  // Tests force each one and compare them.
  enum class Kernel { automatic, fused_cpu, foreach, fused_torch };
  void set_kernel(Kernel kernel) { kernel_ = kernel; }

 private:
  Kernel choose_kernel() const;
  void step_fused_cpu(size_t index, int64_t begin, int64_t end, float grad_scale, float step_size, float decay_factor) const;
  void step_foreach(double grad_scale, double step_size, double decay_factor);
  void step_fused_torch(double lr, double grad_scale);

  std::vector<Param> params_;
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;
  AdamWOptions options_;
  int64_t steps_ = 0;
  Kernel kernel_ = Kernel::automatic;
};

}  // namespace ekt
