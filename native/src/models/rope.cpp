#include "models/rope.h"

#include <cmath>

#include "error.h"

namespace ekt {
namespace {

constexpr double kPi = 3.14159265358979323846;

// theta^(-2i/R) for i < R/2: the unscaled frequencies.
torch::Tensor default_frequencies(double theta, int64_t rotary_dim) {
  torch::Tensor exponent = torch::arange(0, rotary_dim, 2, torch::kFloat64) / static_cast<double>(rotary_dim);
  return torch::pow(theta, -exponent);
}

// Llama 3.1: long wavelengths are divided by `factor`, short ones kept, the band between
// interpolated smoothly (_compute_llama3_parameters).
torch::Tensor llama3_frequencies(const RopeConfig& r) {
  torch::Tensor inv = default_frequencies(r.theta, r.rotary_dim);
  const double old_context = static_cast<double>(r.original_max_positions);
  const double low_freq_wavelen = old_context / r.low_freq_factor, high_freq_wavelen = old_context / r.high_freq_factor;
  torch::Tensor wavelen = 2 * kPi / inv;
  torch::Tensor scaled = torch::where(wavelen > low_freq_wavelen, inv / r.factor, inv);
  torch::Tensor smooth = (old_context / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
  torch::Tensor smoothed = (1 - smooth) * scaled / r.factor + smooth * scaled;
  torch::Tensor medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return torch::where(medium, smoothed, scaled);
}

// YaRN: frequencies interpolated by `factor` below the correction range, extrapolated
// (unchanged) above it, ramped linearly in between (_compute_yarn_parameters).
torch::Tensor yarn_frequencies(const RopeConfig& r) {
  const double dim = static_cast<double>(r.rotary_dim), original = static_cast<double>(r.original_max_positions);
  const auto correction_dim = [&](double rotations) {
    return dim * std::log(original / (rotations * 2 * kPi)) / (2 * std::log(r.theta));
  };
  double low = correction_dim(r.beta_fast), high = correction_dim(r.beta_slow);
  if (r.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, dim - 1);
  if (low == high) high += 0.001;  // as Hugging Face does, to avoid dividing by zero
  torch::Tensor extrapolation = default_frequencies(r.theta, r.rotary_dim);
  torch::Tensor interpolation = extrapolation / r.factor;
  torch::Tensor ramp = ((torch::arange(r.rotary_dim / 2, torch::kFloat64) - low) / (high - low)).clamp(0, 1);
  torch::Tensor extrapolation_weight = 1 - ramp;
  return interpolation * (1 - extrapolation_weight) + extrapolation * extrapolation_weight;
}

}  // namespace

torch::Tensor rope_inverse_frequencies(const RopeConfig& r, double seq_len) {
  EKT_CHECK(r.rotary_dim > 0 && r.rotary_dim % 2 == 0, "internal: rotary_dim " << r.rotary_dim << " must be positive and even");
  if (r.type == "default") return default_frequencies(r.theta, r.rotary_dim);
  if (r.type == "linear") return default_frequencies(r.theta, r.rotary_dim) / r.factor;
  if (r.type == "llama3") return llama3_frequencies(r);
  if (r.type == "yarn") return yarn_frequencies(r);
  if (r.type == "dynamic") {
    // NTK-aware: the base grows with the sequence once it exceeds the original context.
    const double original = static_cast<double>(r.original_max_positions), dim = static_cast<double>(r.rotary_dim);
    const double len = std::max(seq_len, original);
    return default_frequencies(r.theta * std::pow(r.factor * len / original - (r.factor - 1), dim / (dim - 2)), r.rotary_dim);
  }
  EKT_FAIL("unsupported rope_scaling type '" << r.type << "'");
}

Rotary::Rotary(const RopeConfig& rope, const torch::Device& device) : rope_(rope) {
  EKT_CHECK(rope.type != "dynamic" || rope.rotary_dim > 2, "dynamic rope scaling needs a head size above 2");
  inv_freq_ = rope_inverse_frequencies(rope, static_cast<double>(rope.original_max_positions)).to(device);
}

Rotary::Angles Rotary::angles(const AttentionContext& ctx, torch::ScalarType dtype) const {
  torch::Tensor pos = ctx.positions().to(torch::kFloat64).unsqueeze(-1);  // (B, T, 1)
  torch::Tensor inv = inv_freq_.view({1, 1, -1});                        // (1, 1, R/2)
  if (rope_.type == "dynamic") {
    // Hugging Face recomputes the frequencies for seq_len = largest position + 1 of the forward.
    // Per row here, so a row's logits do not depend on what it is batched with.
    torch::Tensor seq_len = ctx.positions().masked_fill(ctx.valid().logical_not(), -1).amax(1) + 1;  // (B,)
    const double original = static_cast<double>(rope_.original_max_positions), dim = static_cast<double>(rope_.rotary_dim);
    torch::Tensor len = seq_len.to(torch::kFloat64).clamp_min(original);
    torch::Tensor base = rope_.theta * torch::pow(rope_.factor * len / original - (rope_.factor - 1), dim / (dim - 2));  // (B,)
    torch::Tensor exponent = torch::arange(0, rope_.rotary_dim, 2, pos.options()) / dim;                                   // (R/2,)
    inv = torch::pow(base.unsqueeze(1), -exponent.unsqueeze(0)).unsqueeze(1);                                              // (B, 1, R/2)
  }
  torch::Tensor angle = pos * inv;  // (B, T, R/2), in float64 so long positions keep their precision
  const double scale = rope_.attention_factor;
  return {(angle.cos() * scale).to(dtype).unsqueeze(1), (angle.sin() * scale).to(dtype).unsqueeze(1)};
}

torch::Tensor Rotary::apply(const torch::Tensor& x, const Angles& a) const {
  const int64_t R = rope_.rotary_dim, D = x.size(-1);
  torch::Tensor rot = R == D ? x : x.narrow(-1, 0, R);
  torch::Tensor out;
  if (rope_.interleaved) {  // GPT-J rotate_every_two: pairs (2i, 2i+1)
    std::vector<int64_t> shape = rot.sizes().vec();
    shape.back() = R / 2;
    shape.push_back(2);
    torch::Tensor pairs = rot.reshape(shape);  // (B, H, T, R/2, 2)
    torch::Tensor even = pairs.select(-1, 0), odd = pairs.select(-1, 1);
    out = torch::stack({even * a.cos - odd * a.sin, odd * a.cos + even * a.sin}, -1).flatten(-2);
  } else {  // Llama rotate_half: pairs (i, i + R/2)
    torch::Tensor first = rot.narrow(-1, 0, R / 2), second = rot.narrow(-1, R / 2, R / 2);
    out = torch::cat({first * a.cos - second * a.sin, second * a.cos + first * a.sin}, -1);
  }
  return R == D ? out : torch::cat({out, x.narrow(-1, R, D - R)}, -1);  // (B, H, T, D)
}

}  // namespace ekt
