#include "training/loss.h"

#include "error.h"

namespace ekt {

double cross_entropy_with_grad(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& weights,
                               double scale, torch::Tensor& grad) {
  torch::NoGradGuard no_grad;
  torch::Tensor lse = logits.logsumexp(-1, /*keepdim=*/true);                 // (M, 1)
  torch::Tensor target_logit = logits.gather(1, targets.unsqueeze(1));         // (M, 1)
  torch::Tensor loss = (lse - target_logit).squeeze(1);                        // (M,)
  torch::Tensor coef = (weights * scale).unsqueeze(1);                         // (M, 1)
  torch::Tensor probs = (logits - lse).exp_();                                 // (M, V) softmax
  probs.scatter_add_(1, targets.unsqueeze(1), torch::full_like(target_logit, -1.0));
  grad.add_(probs.mul_(coef));
  return (loss * weights).sum(torch::kFloat64).item<double>();
}

double distillation_kl_with_grad(const torch::Tensor& student, const torch::Tensor& teacher, const torch::Tensor& weights,
                                 double temperature, double scale, torch::Tensor& grad) {
  torch::NoGradGuard no_grad;
  const int64_t vocab = student.size(1);
  EKT_CHECK(teacher.size(1) >= vocab, "teacher vocabulary (" << teacher.size(1) << ") is smaller than the student's (" << vocab << ")");
  EKT_CHECK(temperature > 0, "distillation temperature must be positive, got " << temperature);
  torch::Tensor log_p = torch::log_softmax(teacher.narrow(1, 0, vocab).to(student.dtype()) / temperature, -1);  // (M, V)
  torch::Tensor log_q = torch::log_softmax(student / temperature, -1);                                          // (M, V)
  torch::Tensor p = log_p.exp();
  // xlogy semantics: a teacher probability of exactly 0 contributes 0 (even where log p = -inf).
  torch::Tensor kl = (p * (log_p - log_q)).masked_fill_(p == 0, 0.0).sum(-1);  // (M,)
  torch::Tensor coef = (weights * (scale / temperature)).unsqueeze(1);
  grad.add_(log_q.exp_().sub_(p).mul_(coef));
  return (kl * weights).sum(torch::kFloat64).item<double>();
}

}  // namespace ekt
