#include "sampling/draw_rows.h"

#include <algorithm>

namespace ekt {
namespace {

bool same(const SamplingParams& a, const SamplingParams& b) {
  return a.temperature == b.temperature && a.top_k == b.top_k && a.top_p == b.top_p;
}

}  // namespace

RowDraws draw_rows(const torch::Tensor& logits, const std::vector<double>& uniforms,
                   const std::vector<const SamplingParams*>& params, int64_t top_n) {
  const int64_t R = logits.size(0);
  torch::Tensor u = torch::tensor(uniforms, torch::kFloat64);
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
    out.tokens = torch::empty({R}, torch::kInt64);
    out.logprobs = torch::empty({R}, torch::kFloat32);
    for (const auto& rows : groups) {
      torch::Tensor index = torch::tensor(rows, torch::kInt64);
      Draw d = draw_tokens(logits.index_select(0, index.to(logits.device())), u.index_select(0, index), *params[rows.front()]);
      out.tokens.index_copy_(0, index, d.tokens);
      out.logprobs.index_copy_(0, index, d.logprobs);
    }
  }
  if (top_n > 0) {
    torch::Tensor lp = torch::log_softmax(logits.to(torch::kFloat32), 1);  // (R, V)
    auto [values, ids] = lp.topk(std::min<int64_t>(top_n, lp.size(1)), 1, /*largest=*/true, /*sorted=*/true);
    out.top_ids = ids.to(torch::kCPU, torch::kInt64).contiguous();
    out.top_logprobs = values.to(torch::kCPU, torch::kFloat32).contiguous();
  }
  return out;
}

}  // namespace ekt
