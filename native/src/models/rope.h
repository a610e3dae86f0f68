// Rotary position embeddings as Hugging Face computes them: inverse frequencies per rope_scaling
// type (modeling_rope_utils.py: default, linear, dynamic, llama3, yarn), angle = position *
// inverse frequency, and the two ways of pairing the rotated dims (GPT-J interleaved, Llama
// halves). Angles use the position ids AttentionContext counts over real tokens, so padding and
// the KV cache need nothing special. R = rotary_dim.
#pragma once

#include <torch/torch.h>

#include "models/model.h"

namespace ekt {

// Inverse frequencies (R/2,) float64 of a rope config, for sequences of `seq_len` tokens (only
// dynamic NTK depends on it; at or below the original context it is the unscaled default).
torch::Tensor rope_inverse_frequencies(const RopeConfig& rope, double seq_len);

class Rotary {
 public:
  Rotary(const RopeConfig& rope, const torch::Device& device);

  // cos and sin of every new token's angles, (B, 1, T, R/2), scaled by the YaRN attention factor.
  struct Angles {
    torch::Tensor cos, sin;
  };
  Angles angles(const AttentionContext& ctx, torch::ScalarType dtype) const;

  // x (B, H, T, D) -> x with its first R dims of every head rotated.
  torch::Tensor apply(const torch::Tensor& x, const Angles& a) const;

 private:
  RopeConfig rope_;
  torch::Tensor inv_freq_;  // (R/2,) float64 on the model's device
};

}  // namespace ekt
