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

// Draws row r of logits (R, V) with uniforms[r] ((R,) float64, any device) and *params[r]: rows
// with equal settings are drawn together by draw_tokens, so a row's token is the one draw_tokens
// would give it alone. top_n > 0 also reports every row's top_n most likely tokens under the raw
// distribution.
RowDraws draw_rows(const torch::Tensor& logits, const torch::Tensor& uniforms,
                   const std::vector<const SamplingParams*>& params, int64_t top_n);

// Steps' draws ((R,) and (R, K) each) on the host as (R, steps) and (R, steps, K).
RowDraws to_host(const std::vector<RowDraws>& steps);

}  // namespace ekt
