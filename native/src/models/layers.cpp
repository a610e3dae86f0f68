#include "models/layers.h"

#include <limits>

#include "kernels/cpu/dense_cpu.h"
#include "device/autocast.h"
#include "device/kernels.h"
#include "device/torch_features.h"
#include "error.h"

namespace ekt {

void check_activation(const std::string& kind, const std::string& context) {
  static const char* known[] = {"gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu", "silu", "swish"};
  for (const char* k : known)
    if (kind == k) return;
  EKT_FAIL(context << ": unsupported activation_function '" << kind << "'");
}

torch::Tensor activation(const torch::Tensor& x, const std::string& kind) {
  if (kind == "gelu_new" || kind == "gelu_pytorch_tanh" || kind == "gelu_fast") return torch::gelu(x, "tanh");
  if (kind == "gelu") return torch::gelu(x);
  if (kind == "relu") return torch::relu(x);
  if (kind == "silu" || kind == "swish") return torch::silu(x);
  EKT_FAIL("unsupported activation '" << kind << "'");
}

torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, WeightLayout layout) {
  const bool in_out = layout == WeightLayout::in_out;
  const int64_t in = x.size(-1), rows = x.numel() / std::max<int64_t>(in, 1);
  if (!at::GradMode::is_enabled() && !portable_kernels() && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
      weight.scalar_type() == torch::kFloat32 && weight.is_contiguous() && (!bias.defined() || bias.is_contiguous()) &&
      rows > 0) {
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = in_out ? weight.size(1) : weight.size(0);
    return dense_cpu(x.reshape({rows, in}).contiguous(), weight, bias, in_out).view(shape);
  }
  if (!in_out) return torch::linear(x, weight, bias);
  torch::Tensor y = torch::matmul(x, weight);
  return bias.defined() ? y + bias : y;
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  const int64_t b = x.size(0), t = x.size(1);
  return x.view({b, t, heads, -1}).transpose(1, 2);  // (B, H, T, D)
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  const int64_t b = x.size(0), t = x.size(2);
  return x.transpose(1, 2).reshape({b, t, -1});  // (B, T, H*D)
}

#if EKT_HAS_SDPA
namespace {

// libtorch's fused attention (flash / memory-efficient kernels on a GPU; the mask rules out flash,
// the memory-efficient kernel takes it). Unscaled scores (GPT-Neo, divide_by == 0) are computed
// in float32 as Hugging Face does, so q, k and v go in as float32 and the result is cast back;
// the others keep their dtype and divide by divide_by (the kernels accumulate in float32).
torch::Tensor fused_attention(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                              const torch::Tensor& allowed, double divide_by) {
  // A query that may see no key at all (a left-padding slot) would come out NaN from the fused
  // kernels, and NaN would leak through the zero weights other rows give its value. Letting it
  // see every key keeps it finite; its output is never used.
  torch::Tensor mask = allowed.logical_or(allowed.any(-1, /*keepdim=*/true).logical_not());  // (B, 1, T, S)
  if (divide_by != 0.0) return at::scaled_dot_product_attention(q, keys, values, mask, 0.0, false, 1.0 / divide_by);
  AutocastScope float32_scores(q.device().type(), torch::kFloat32, /*enabled=*/false);
  return at::scaled_dot_product_attention(q.to(torch::kFloat32), keys.to(torch::kFloat32), values.to(torch::kFloat32),
                                          mask, 0.0, false, 1.0)
      .to(values.scalar_type());
}

}  // namespace
#endif

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& allowed, double divide_by) {
  torch::Tensor keys = k, values = v;
  const int64_t groups = q.size(1) / k.size(1);
  if (groups > 1) {  // grouped-query attention: each key/value head serves `groups` query heads
    keys = k.repeat_interleave(groups, 1);
    values = v.repeat_interleave(groups, 1);
  }
#if EKT_HAS_SDPA
  if (!q.device().is_cpu() || portable_kernels()) return fused_attention(q, keys, values, allowed, divide_by);
#endif
  // Float32 scores even under mixed precision (autocast would run this product in bfloat16).
  AutocastScope float32_scores(q.device().type(), torch::kFloat32, /*enabled=*/false);
  torch::Tensor scores = torch::matmul(q.to(torch::kFloat32), keys.to(torch::kFloat32).transpose(-1, -2));  // (B, H, T, S)
  if (divide_by != 0.0) scores = scores / divide_by;
  // The most negative finite float (as Hugging Face does), so a fully masked row (a padding
  // query) stays finite instead of producing NaN.
  scores = scores.masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  torch::Tensor probs = torch::softmax(scores, -1).to(values.scalar_type());
  return torch::matmul(probs, values);  // (B, H, T, D)
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  torch::Tensor h = x.to(torch::kFloat32);
  h = h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * h.to(x.scalar_type());
}

}  // namespace ekt
