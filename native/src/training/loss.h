// Token losses with their gradient with respect to the logits, computed directly instead of
// through autograd: the caller backpropagates `grad` from the logits into the model. This
// keeps the (M, V) intermediates out of the autograd graph and makes each formula visible.
// M: selected positions, V: vocabulary.
#pragma once

#include <torch/torch.h>

namespace ekt {

// Weighted causal-LM cross-entropy. logits (M, V) float32, targets (M,) int64, weights (M,)
// float32. Returns sum_m w_m * CE_m; adds scale * w_m * (softmax(logits_m) - onehot(t_m))
// into grad (M, V).
double cross_entropy_with_grad(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& weights,
                               double scale, torch::Tensor& grad);

// Token-level KL(teacher || student) at temperature T, as torch.nn.KLDivLoss applied to
// (log_softmax(s / T), softmax(t / T)). student (M, V), teacher (M, V') with V' >= V: the
// teacher is sliced to the student's vocabulary. Returns sum_m w_m * KL_m; adds
// scale * w_m / T * (softmax(s_m / T) - softmax(t_m / T)) into grad.
double distillation_kl_with_grad(const torch::Tensor& student, const torch::Tensor& teacher, const torch::Tensor& weights,
                                 double temperature, double scale, torch::Tensor& grad);

}  // namespace ekt
