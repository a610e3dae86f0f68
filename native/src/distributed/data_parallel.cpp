#include "distributed/data_parallel.h"

#include "distributed/process_group.h"

namespace ekt::dist {

std::vector<int64_t> local_rows(int64_t first, int64_t rows) {
  const ProcessGroup* g = default_group();
  const int64_t world = g ? g->world_size() : 1, rank = g ? g->rank() : 0;
  std::vector<int64_t> out;
  for (int64_t i = rank; i < rows; i += world) out.push_back(first + i);
  return out;
}

void all_reduce_step(const std::vector<torch::Tensor>& params, bool gradients, StepSums& sums, const std::string& stage) {
  ProcessGroup* g = default_group();
  if (!g || g->world_size() == 1) return;
  torch::NoGradGuard no_grad;
  const int64_t n = gradients ? static_cast<int64_t>(params.size()) : 0;
  // One small collective: the sums, then one flag per parameter (1 where its grad is defined).
  torch::Tensor scalars = torch::zeros({4 + n}, torch::kFloat64);
  auto s = scalars.accessor<double, 1>();
  s[0] = sums.ce;
  s[1] = sums.kd;
  s[2] = sums.flops;
  s[3] = static_cast<double>(sums.computed_tokens);
  for (int64_t i = 0; i < n; ++i) s[4 + i] = params[static_cast<size_t>(i)].grad().defined() ? 1.0 : 0.0;
  std::vector<torch::Tensor> head{scalars.to(g->device())};
  g->all_reduce_sum(head, stage);
  scalars = head[0].cpu();
  s = scalars.accessor<double, 1>();
  sums = {s[0], s[1], s[2], static_cast<int64_t>(s[3])};
  if (!gradients) return;

  // DDP's order: the last layers' gradients first (they are the first ready in a backward pass).
  std::vector<torch::Tensor> grads;
  for (int64_t i = n - 1; i >= 0; --i) {
    if (s[4 + i] == 0) continue;
    torch::Tensor p = params[static_cast<size_t>(i)];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p, torch::MemoryFormat::Contiguous);
    grads.push_back(p.grad());
  }
  g->all_reduce_sum(grads, stage);
}

}  // namespace ekt::dist
