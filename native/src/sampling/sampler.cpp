#include "sampling/sampler.h"

#include "device/placement.h"
#include "error.h"

namespace ekt {
namespace {

__extension__ typedef unsigned __int128 u128;

inline void mulhilo(uint64_t a, uint64_t b, uint64_t& hi, uint64_t& lo) {
  const u128 p = static_cast<u128>(a) * b;
  hi = static_cast<uint64_t>(p >> 64);
  lo = static_cast<uint64_t>(p);
}

}  // namespace

std::array<uint64_t, 4> philox4x64(std::array<uint64_t, 4> c, std::array<uint64_t, 2> k) {
  constexpr uint64_t kMul0 = 0xD2E7470EE14C6C93ULL, kMul1 = 0xCA5A826395121157ULL;
  constexpr uint64_t kWeyl0 = 0x9E3779B97F4A7C15ULL, kWeyl1 = 0xBB67AE8584CAA73BULL;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kWeyl0;
      k[1] += kWeyl1;
    }
    uint64_t hi0, lo0, hi1, lo1;
    mulhilo(kMul0, c[0], hi0, lo0);
    mulhilo(kMul1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

double sample_uniform(uint64_t seed, uint64_t prompt_key, uint64_t sample, uint64_t step) {
  const uint64_t bits = philox4x64({step, sample, 0, 0}, {seed, prompt_key})[0];
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

void check_sampling_params(const SamplingParams& p) {
  EKT_CHECK(p.temperature >= 0.0, "temperature must be >= 0 (0 = greedy), got " << p.temperature);
  EKT_CHECK(p.top_k >= 0, "top_k must be >= 0 (0 = no limit), got " << p.top_k);
  EKT_CHECK(p.top_p > 0.0 && p.top_p <= 1.0, "top_p must be in (0, 1], got " << p.top_p);
}

Draw draw_tokens(const torch::Tensor& logits, const torch::Tensor& uniforms, const SamplingParams& params) {
  torch::Tensor x = logits.to(torch::kFloat32);  // (R, V)
  const int64_t vocab = x.size(1);
  torch::Tensor tokens;
  if (params.temperature == 0.0) {
    tokens = x.argmax(1);
  } else {
    // Candidates before scaling (dividing by T > 0 keeps the order), so only they are divided.
    torch::Tensor candidates = x, order;  // order (R, K): vocabulary ids of the candidates, most likely first
    if (params.top_k > 0 && params.top_k < vocab) {
      std::tie(candidates, order) = x.topk(params.top_k, 1, /*largest=*/true, /*sorted=*/true);
    } else if (params.top_p < 1.0) {
      std::tie(candidates, order) = x.sort(1, /*descending=*/true);
    }
    torch::Tensor probs = torch::softmax(candidates / params.temperature, 1).to(torch::kFloat64);  // (R, K)
    if (params.top_p < 1.0) {
      torch::Tensor mass_before = probs.cumsum(1) - probs;
      probs = probs.masked_fill(mass_before >= params.top_p, 0.0);
    }
    torch::Tensor cumulative = probs.cumsum(1);                        // (R, K)
    torch::Tensor total = cumulative.narrow(1, cumulative.size(1) - 1, 1);  // (R, 1)
    // Kept strictly below the total, so the first candidate whose cumulative mass exceeds it
    // always has positive probability (u * total could round up to the total).
    torch::Tensor target = torch::minimum(to_device(uniforms, total.device()).unsqueeze(1) * total, total * (1.0 - 0x1p-52));
    torch::Tensor pick = (cumulative <= target).sum(1, /*keepdim=*/true);  // (R, 1)
    tokens = (order.defined() ? order.gather(1, pick) : pick).squeeze(1);
  }
  torch::Tensor chosen = x.gather(1, tokens.unsqueeze(1)).squeeze(1);
  torch::Tensor logprobs = chosen - x.logsumexp(1);
  return {tokens, logprobs};
}

}  // namespace ekt
