// Building blocks shared by the architectures. Shapes: B batch, T new tokens, S keys, H heads,
// D head dim, C model width.
#pragma once

#include <torch/torch.h>

#include <string>

namespace ekt {

// Hugging Face activation names: gelu_new/gelu_pytorch_tanh/gelu_fast (tanh form), gelu (erf),
// relu, silu/swish.
torch::Tensor activation(const torch::Tensor& x, const std::string& kind);
void check_activation(const std::string& kind, const std::string& context);

// (B, T, H*D) -> (B, H, T, D) and back.
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
torch::Tensor merge_heads(const torch::Tensor& x);

// Layout of a projection weight: GPT-2's Conv1D stores [in, out], nn.Linear [out, in].
enum class WeightLayout { in_out, out_in };

// x (..., in) -> (..., out), plus bias if defined. Float32 inference on the CPU (no gradients)
// runs dense_cpu.h's kernels (batch-invariant, and faster than BLAS at decode's row counts;
// not under EKT_KERNELS=portable);
// everything else, torch.
torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, WeightLayout layout);

// Scaled dot-product attention with a boolean mask. q (B, H, T, D), k/v (B, Hkv, S, D) with
// H a multiple of Hkv (grouped-query), allowed (B, 1, T, S). Scores and softmax are computed in
// float32 (also under mixed precision), the weighted sum in v's dtype.
// scale multiplies q.k; divide_by, if non-zero, divides instead (GPT-2 divides by sqrt(D)).
// With libtorch >= 2.1, on a GPU (and under EKT_KERNELS=portable) this is libtorch's fused
// scaled_dot_product_attention; Debian's 1.13 and the CPU's own path keep the explicit products.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& allowed, double divide_by);

// Hugging Face's LlamaRMSNorm: x / sqrt(mean(x^2) + eps), computed in float32, cast back to the
// input's dtype, then scaled by weight (no bias, no mean subtraction).
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

}  // namespace ekt
