// Activation checkpointing (--checkpoint-activations, torch.utils.checkpoint's reentrant form):
// a transformer block run this way keeps only its input for backward, not the activations
// inside it; backward runs the block once more, with gradients on, and differentiates that.
// One more forward per block buys memory that no longer grows with the layer count times the
// block's intermediates, which is what lets a 2.7B student train on one GPU.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "models/model.h"

namespace ekt {

// Checkpointing on for this thread within the scope (the trainer's forward and backward of a
// shard), like torch's thread-local grad mode. Nested scopes restore the outer setting.
class CheckpointActivationsScope {
 public:
  explicit CheckpointActivationsScope(bool enabled);
  ~CheckpointActivationsScope();
  CheckpointActivationsScope(const CheckpointActivationsScope&) = delete;
  CheckpointActivationsScope& operator=(const CheckpointActivationsScope&) = delete;

 private:
  bool was_enabled_;
};

// x (B, T, C) -> block(x) (B, T, C). Checkpointed when the scope is on and gradients are being
// recorded; block then runs again in backward, so it must capture by value what it reads (it
// outlives the forward) and compute the same function each time (no dropout here). Its
// parameters are the model's parameters whose Hugging Face names start with `layer_prefix`.
torch::Tensor run_block(const CausalLM& model, const std::string& layer_prefix, const torch::Tensor& x,
                        std::function<torch::Tensor(const torch::Tensor&)> block);

}  // namespace ekt
