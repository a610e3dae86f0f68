// Token selection for a batch whose rows follow different sampling settings (requests of a
// server decoding together), plus the most likely alternatives of each row for top-logprobs.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "sampling/sampler.h"

namespace ekt {

// On the logits' device: the generator copies many steps' draws back to the host at once.
struct RowDraws {
  torch::Tensor tokens;        // (R,) int64
  torch::Tensor logprobs;      // (R,) float32: raw log-softmax (T = 1) at the token
  torch::Tensor top_ids;       // (R, K) int64, most likely first; undefined when K = 0
  torch::Tensor top_logprobs;  // (R, K) float32
};

// Draws row r of a batch's logits with *params[r]: rows with equal settings are drawn together
// by draw_tokens, so a row's token is the one draw_tokens would give it alone. Built once for a
// run of decode steps: the grouping and its device index tensors are made here, so drawing
// copies nothing from the host and a step stays capturable as a CUDA graph.
class RowDrawer {
 public:
  // top_n > 0 also reports every row's top_n most likely tokens under the raw distribution.
  RowDrawer(const std::vector<const SamplingParams*>& params, int64_t top_n, const torch::Device& device);
  // logits (R, V), uniforms (R,) float64 on the logits' device.
  RowDraws draw(const torch::Tensor& logits, const torch::Tensor& uniforms) const;

 private:
  struct Group {
    SamplingParams params;
    torch::Tensor rows;  // (n,) int64 on the device; undefined when every row is in this group
  };
  std::vector<Group> groups_;
  int64_t top_n_;
};

// Steps' draws ((R,) and (R, K) each) on the host as (R, steps) and (R, steps, K).
RowDraws to_host(const std::vector<RowDraws>& steps);

// A copy that a later step (a replayed CUDA graph writing the same buffers) leaves alone.
RowDraws copy(const RowDraws& draws);

}  // namespace ekt
