// Token selection for the generation engine: a counter-based random stream and the
// temperature / top-k / top-p filters, applied to a batch of logits rows at once.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>

namespace ekt {

// Philox4x64-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011): a keyed
// bijection of a 256-bit counter. Being counter-based, the draw for any (seed, prompt key,
// sample, step) is computed directly, without a generator state that depends on batch layout.
std::array<uint64_t, 4> philox4x64(std::array<uint64_t, 4> counter, std::array<uint64_t, 2> key);

// The uniform in [0, 1) (53 random bits) that picks token `step` of sample `sample` of the prompt
// with key `prompt_key`: Philox with key (seed, prompt_key) and counter (step, sample, 0, 0).
double sample_uniform(uint64_t seed, uint64_t prompt_key, uint64_t sample, uint64_t step);

struct SamplingParams {
  double temperature = 1.0;  // 0 = greedy (argmax, lowest id on ties)
  int64_t top_k = 0;         // keep the k most likely tokens; 0 = all
  double top_p = 1.0;        // keep the smallest most-likely set whose probability reaches top_p; 1 = all
};

void check_sampling_params(const SamplingParams& params);

struct Draw {
  torch::Tensor tokens;    // (R,) int64, on the logits' device
  torch::Tensor logprobs;  // (R,) float32, on the logits' device: log-softmax of the raw logits (T = 1) at the token
};

// Picks one token per row of logits (R, V) (any device) with the row's uniform (R,) float64 (on
// any device). Nothing is copied back to the host, so a GPU can draw many steps without a sync.
// Filters as Hugging Face's warpers do, in their order: divide by the temperature, keep the
// top_k largest, then keep tokens while the probability mass before them (descending, after
// top-k renormalisation) is below top_p. The token is the first, in descending-probability order
// (vocabulary order when no filter needs sorting), whose cumulative probability exceeds
// u * (kept mass): inverse-CDF sampling, so the same u and logits give the same token.
Draw draw_tokens(const torch::Tensor& logits, const torch::Tensor& uniforms, const SamplingParams& params);

}  // namespace ekt
