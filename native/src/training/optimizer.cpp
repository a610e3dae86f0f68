#include "training/optimizer.h"

#include <algorithm>
#include <cmath>

#include "device/kernels.h"
#include "device/torch_features.h"
#include "error.h"
#include "training/workers.h"

namespace ekt {

AdamW::AdamW(const std::vector<Param>& params, AdamWOptions options) : params_(params), options_(options) {
  EKT_CHECK(options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1,
            "AdamW betas must be in [0, 1), got " << options.beta1 << ", " << options.beta2);
  EKT_CHECK(options.eps >= 0 && options.weight_decay >= 0, "AdamW eps and weight decay must be non-negative");
  for (const Param& p : params_) {
    exp_avg_.push_back(torch::zeros_like(p.tensor, torch::MemoryFormat::Contiguous));
    exp_avg_sq_.push_back(torch::zeros_like(p.tensor, torch::MemoryFormat::Contiguous));
  }
}

double AdamW::grad_norm() const {
  // Per tensor in float32, combined in float64, as torch does; one host sync for the total.
  std::vector<torch::Tensor> grads;
  for (const Param& p : params_)
    if (p.tensor.grad().defined()) grads.push_back(p.tensor.grad());
  if (grads.empty()) return 0.0;
#if EKT_HAS_FOREACH_NORM
  // One multi-tensor kernel on a GPU instead of a launch per tensor.
  std::vector<torch::Tensor> norms = at::_foreach_norm(grads);
#else
  std::vector<torch::Tensor> norms;
  for (const torch::Tensor& g : grads) norms.push_back(g.norm());
#endif
  return torch::stack(norms).to(torch::kFloat64).norm().item<double>();
}

void AdamW::zero_grad() {
  for (const Param& p : params_) p.tensor.mutable_grad() = torch::Tensor();
}

void AdamW::step(double lr, double grad_scale) {
  ++steps_;
  const double t = static_cast<double>(steps_);
  const double step_size = lr * std::sqrt(1.0 - std::pow(options_.beta2, t)) / (1.0 - std::pow(options_.beta1, t));
  const double decay_factor = 1.0 - lr * options_.weight_decay;
  torch::NoGradGuard no_grad;
  const Kernel kernel = choose_kernel();
  if (kernel == Kernel::fused_torch) return step_fused_torch(lr, grad_scale);
  if (kernel == Kernel::foreach) return step_foreach(grad_scale, step_size, decay_factor);
  // Element ranges of every tensor, dealt round-robin to the threads: the update is
  // elementwise, so the split never changes a result.
  struct Range {
    size_t index;
    int64_t begin, end;
  };
  constexpr int64_t kRange = 1 << 18;
  std::vector<Range> ranges;
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].tensor.grad().defined())
      for (int64_t b = 0, n = params_[i].tensor.numel(); b < n; b += kRange) ranges.push_back({i, b, std::min(n, b + kRange)});
  const int workers = std::max(1, std::min<int>(options_.threads, static_cast<int>(ranges.size())));
  run_parallel(workers, [&](int k) {
    for (size_t r = static_cast<size_t>(k); r < ranges.size(); r += static_cast<size_t>(workers)) {
      const Range& range = ranges[r];
      step_fused_cpu(range.index, range.begin, range.end, static_cast<float>(grad_scale), static_cast<float>(step_size),
                     decays(range.index) ? static_cast<float>(decay_factor) : 1.0f);
    }
  });
}

AdamW::Kernel AdamW::choose_kernel() const {
  bool cpu_float32 = true;
  for (const Param& p : params_) {
    const torch::Tensor& g = p.tensor.grad();
    cpu_float32 = cpu_float32 && p.tensor.device().is_cpu() && p.tensor.scalar_type() == torch::kFloat32 &&
                  p.tensor.is_contiguous() && (!g.defined() || g.is_contiguous());
  }
  switch (kernel_) {
    case Kernel::fused_cpu:
      return cpu_float32 ? Kernel::fused_cpu : Kernel::foreach;
    case Kernel::automatic:
      if (cpu_float32 && !portable_kernels()) return Kernel::fused_cpu;
#if EKT_HAS_FUSED_ADAMW
      if (!params_.empty() && params_.front().tensor.is_cuda()) return Kernel::fused_torch;
#endif
      return Kernel::foreach;
    case Kernel::fused_torch:
    case Kernel::foreach:
      break;
  }
  return kernel_;
}

// One pass over p, g, m, v: memory traffic, not arithmetic, bounds AdamW on a CPU.
void AdamW::step_fused_cpu(size_t index, int64_t begin, int64_t end, float grad_scale, float step_size,
                           float decay_factor) const {
  float* p = params_[index].tensor.data_ptr<float>();
  const float* g = params_[index].tensor.grad().data_ptr<float>();
  float* m = exp_avg_[index].data_ptr<float>();
  float* v = exp_avg_sq_[index].data_ptr<float>();
  const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const float eps = static_cast<float>(options_.eps);
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i] * grad_scale;
    m[i] = b1 * m[i] + (1.0f - b1) * gi;
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
    p[i] = (p[i] - step_size * m[i] / (std::sqrt(v[i]) + eps)) * decay_factor;
  }
}

// Device-agnostic path (CUDA, other dtypes): the same update with torch's multi-tensor ops.
void AdamW::step_foreach(double grad_scale, double step_size, double decay_factor) {
  std::vector<torch::Tensor> p, g, m, v, decayed;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].tensor.grad().defined()) continue;
    p.push_back(params_[i].tensor);
    g.push_back(params_[i].tensor.grad());
    m.push_back(exp_avg_[i]);
    v.push_back(exp_avg_sq_[i]);
    if (decays(i)) decayed.push_back(params_[i].tensor);
  }
  if (p.empty()) return;
  std::vector<torch::Tensor> scaled = at::_foreach_mul(g, grad_scale);
  at::_foreach_mul_(m, options_.beta1);
  at::_foreach_add_(m, scaled, 1.0 - options_.beta1);
  at::_foreach_mul_(v, options_.beta2);
  at::_foreach_addcmul_(v, scaled, scaled, 1.0 - options_.beta2);
  std::vector<torch::Tensor> denom = at::_foreach_sqrt(v);
  at::_foreach_add_(denom, options_.eps);
  at::_foreach_addcdiv_(p, m, denom, -step_size);
  if (!decayed.empty()) at::_foreach_mul_(decayed, decay_factor);
}

// torch's kernel is torch.optim.AdamW: p = p (1 - lr' wd'), then p -= lr' / c1 * m / (sqrt(v) / sqrt(c2) + eps'),
// with c1, c2 the bias corrections. transformers.AdamW (ours) is p = (p - lr sqrt(c2) / c1 * m / (sqrt(v) + eps)) d,
// d = 1 - lr wd. They agree for eps' = eps / sqrt(c2), lr' = lr d and wd' = wd / d. The kernel
// divides the gradients by grad_scale (AMP's unscaling; here 1 / the clipping coefficient) and
// leaves them so divided.
void AdamW::step_fused_torch(double lr, double grad_scale) {
#if EKT_HAS_FUSED_ADAMW
  const double t = static_cast<double>(steps_);
  const double eps = options_.eps / std::sqrt(1.0 - std::pow(options_.beta2, t));
  const double decay_factor = 1.0 - lr * options_.weight_decay;
  EKT_CHECK(decay_factor > 0, "AdamW: lr * weight_decay = " << lr * options_.weight_decay << " must stay below 1");
  for (const bool decayed : {true, false}) {
    std::vector<torch::Tensor> p, g, m, v;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].tensor.grad().defined() || decays(i) != decayed) continue;
      p.push_back(params_[i].tensor);
      g.push_back(params_[i].tensor.grad());
      m.push_back(exp_avg_[i]);
      v.push_back(exp_avg_sq_[i]);
    }
    if (p.empty()) continue;
    const torch::TensorOptions on_device = torch::TensorOptions().dtype(torch::kFloat32).device(p.front().device());
    const std::vector<torch::Tensor> steps(p.size(), torch::full({}, t, on_device));  // read, not advanced, by the kernel
    const double d = decayed ? decay_factor : 1.0;
    auto update = [&](auto... unscale) {
      at::_fused_adamw_(p, g, m, v, /*max_exp_avg_sqs=*/{}, steps, lr * d, options_.beta1, options_.beta2,
                        decayed ? options_.weight_decay / d : 0.0, eps, /*amsgrad=*/false, /*maximize=*/false, unscale...);
    };
    if (grad_scale == 1.0) update();
    else update(torch::full({}, 1.0 / grad_scale, on_device));
  }
#else
  (void)lr;
  (void)grad_scale;
  EKT_FAIL("AdamW: the fused torch kernel needs libtorch >= 2.1, this is " << TORCH_VERSION);
#endif
}

std::vector<std::pair<std::string, torch::Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    out.emplace_back("exp_avg." + params_[i].name, exp_avg_[i]);
    out.emplace_back("exp_avg_sq." + params_[i].name, exp_avg_sq_[i]);
  }
  return out;
}

void AdamW::load_state(const std::map<std::string, torch::Tensor>& tensors, int64_t steps, const std::string& source) {
  EKT_CHECK(steps >= 0, source << ": negative optimizer step count " << steps);
  EKT_CHECK(tensors.size() == 2 * params_.size(),
            source << ": holds " << tensors.size() << " tensors, this model's optimizer has " << 2 * params_.size());
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    for (auto [prefix, target] : {std::pair{"exp_avg.", &exp_avg_[i]}, std::pair{"exp_avg_sq.", &exp_avg_sq_[i]}}) {
      auto it = tensors.find(prefix + params_[i].name);
      EKT_CHECK(it != tensors.end(), source << ": missing tensor '" << prefix << params_[i].name << "'");
      EKT_CHECK(it->second.sizes() == target->sizes(), source << ": tensor '" << it->first << "' has shape " << it->second.sizes()
                                                              << ", the parameter has " << target->sizes());
      target->copy_(it->second);
    }
  }
  steps_ = steps;
}

}  // namespace ekt
