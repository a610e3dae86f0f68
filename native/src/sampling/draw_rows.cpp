#include "sampling/draw_rows.h"

#include <algorithm>

#include "device/placement.h"

namespace ekt {
namespace {

bool same(const SamplingParams& a, const SamplingParams& b) {
  return a.temperature == b.temperature && a.top_k == b.top_k && a.top_p == b.top_p;
}

}  // namespace

RowDraws draw_rows(const torch::Tensor& logits, const torch::Tensor& uniforms,
                   const std::vector<const SamplingParams*>& params, int64_t top_n) {
  const int64_t R = logits.size(0);
  const torch::Device device = logits.device();
  torch::Tensor u = to_device(uniforms, device);
  RowDraws out;
  // Rows in groups of equal settings; one group (a batch job, or a single request) is the common case.
  std::vector<std::vector<int64_t>> groups;
  for (int64_t r = 0; r < R; ++r) {
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& rows) { return same(*params[rows.front()], *params[r]); });
    if (g == groups.end()) groups.push_back({r}); else g->push_back(r);
  }
  if (groups.size() == 1) {
    Draw d = draw_tokens(logits, u, *params.front());
    out.tokens = d.tokens;
    out.logprobs = d.logprobs;
  } else {
    out.tokens = torch::empty({R}, torch::dtype(torch::kInt64).device(device));
    out.logprobs = torch::empty({R}, torch::dtype(torch::kFloat32).device(device));
    for (const auto& rows : groups) {
      torch::Tensor index = to_device(torch::tensor(rows, torch::kInt64), device);
      Draw d = draw_tokens(logits.index_select(0, index), u.index_select(0, index), *params[rows.front()]);
      out.tokens.index_copy_(0, index, d.tokens);
      out.logprobs.index_copy_(0, index, d.logprobs);
    }
  }
  if (top_n > 0) {
    torch::Tensor lp = torch::log_softmax(logits.to(torch::kFloat32), 1);  // (R, V)
    std::tie(out.top_logprobs, out.top_ids) = lp.topk(std::min<int64_t>(top_n, lp.size(1)), 1, /*largest=*/true, /*sorted=*/true);
  }
  return out;
}

RowDraws to_host(const std::vector<RowDraws>& steps) {
  auto stacked = [&](torch::Tensor RowDraws::*member) {
    std::vector<torch::Tensor> parts;
    for (const RowDraws& d : steps) parts.push_back(d.*member);
    return parts.front().defined() ? torch::stack(parts, 1).to(torch::kCPU).contiguous() : torch::Tensor();
  };
  return {stacked(&RowDraws::tokens), stacked(&RowDraws::logprobs), stacked(&RowDraws::top_ids), stacked(&RowDraws::top_logprobs)};
}

}  // namespace ekt
