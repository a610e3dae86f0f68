#include "sampling/draw_rows.h"

#include <algorithm>

#include "device/placement.h"

namespace ekt {
namespace {

bool same(const SamplingParams& a, const SamplingParams& b) {
  return a.temperature == b.temperature && a.top_k == b.top_k && a.top_p == b.top_p;
}

}  // namespace

RowDrawer::RowDrawer(const std::vector<const SamplingParams*>& params, int64_t top_n, const torch::Device& device)
    : top_n_(top_n) {
  // Rows in groups of equal settings; one group (a batch job, or a single request) is the common case.
  std::vector<std::vector<int64_t>> rows;
  for (int64_t r = 0; r < static_cast<int64_t>(params.size()); ++r) {
    auto g = std::find_if(groups_.begin(), groups_.end(), [&](const Group& group) { return same(group.params, *params[r]); });
    if (g == groups_.end()) {
      groups_.push_back({*params[r], {}});
      rows.push_back({r});
    } else {
      rows[static_cast<size_t>(g - groups_.begin())].push_back(r);
    }
  }
  if (groups_.size() > 1)
    for (size_t g = 0; g < groups_.size(); ++g) groups_[g].rows = to_device(torch::tensor(rows[g], torch::kInt64), device);
}

RowDraws RowDrawer::draw(const torch::Tensor& logits, const torch::Tensor& uniforms) const {
  const int64_t R = logits.size(0);
  const torch::Device device = logits.device();
  RowDraws out;
  if (groups_.size() == 1) {
    Draw d = draw_tokens(logits, uniforms, groups_.front().params);
    out.tokens = d.tokens;
    out.logprobs = d.logprobs;
  } else {
    out.tokens = torch::empty({R}, torch::dtype(torch::kInt64).device(device));
    out.logprobs = torch::empty({R}, torch::dtype(torch::kFloat32).device(device));
    for (const Group& g : groups_) {
      Draw d = draw_tokens(logits.index_select(0, g.rows), uniforms.index_select(0, g.rows), g.params);
      out.tokens.index_copy_(0, g.rows, d.tokens);
      out.logprobs.index_copy_(0, g.rows, d.logprobs);
    }
  }
  if (top_n_ > 0) {
    torch::Tensor lp = torch::log_softmax(logits.to(torch::kFloat32), 1);  // (R, V)
    std::tie(out.top_logprobs, out.top_ids) = lp.topk(std::min<int64_t>(top_n_, lp.size(1)), 1, /*largest=*/true, /*sorted=*/true);
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

RowDraws copy(const RowDraws& draws) {
  auto cloned = [](const torch::Tensor& t) { return t.defined() ? t.clone() : t; };
  return {cloned(draws.tokens), cloned(draws.logprobs), cloned(draws.top_ids), cloned(draws.top_logprobs)};
}

}  // namespace ekt
