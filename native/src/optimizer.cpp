#include "optimizer.h"

#include <algorithm>
#include <cmath>

#include "device/kernels.h"
#include "error.h"
#include "workers.h"

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
  std::vector<torch::Tensor> norms;  // per tensor in float32, combined in float64, as torch does
  for (const Param& p : params_)
    if (p.tensor.grad().defined()) norms.push_back(p.tensor.grad().norm().to(torch::kFloat64));
  return norms.empty() ? 0.0 : torch::stack(norms).norm().item<double>();
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
  bool all_fused = fused_cpu_ && !portable_kernels();
  for (const Param& p : params_) {
    const torch::Tensor& g = p.tensor.grad();
    all_fused = all_fused && p.tensor.device().is_cpu() && p.tensor.scalar_type() == torch::kFloat32 &&
                p.tensor.is_contiguous() && (!g.defined() || g.is_contiguous());
  }
  if (!all_fused) return step_foreach(grad_scale, step_size, decay_factor);
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
