#include "sampling/prefix_cache.h"

#include <algorithm>
#include <limits>

#include "kernels/cpu/decode_attention_cpu.h"
#include "device/kernels.h"
#include "device/placement.h"
#include "error.h"
#include "models/layers.h"

namespace ekt {
namespace {

using torch::indexing::Slice;

torch::Tensor host_tensor(const std::vector<int64_t>& values, const torch::Device& device) {
  return to_device(torch::tensor(values, torch::dtype(torch::kInt64)), device);
}

// One part of a softmax split over disjoint key sets: the running max, the sum of exp(s - max)
// and those weights. Fully masked rows get max = lowest and all weights 0 (no NaN).
struct SoftmaxPart {
  torch::Tensor max, sum, weights;
};

SoftmaxPart softmax_part(const torch::Tensor& scores) {
  torch::Tensor max = scores.amax(-1, /*keepdim=*/true).clamp_min(std::numeric_limits<float>::lowest());
  torch::Tensor weights = (scores - max).exp_();
  return {max.squeeze(-1), weights.sum(-1), weights};
}

}  // namespace

int64_t PrefixCache::bytes_per_token(const ModelConfig& config, const torch::TensorOptions& options) {
  return 2 * config.layers * config.kv_heads * config.head_dim * static_cast<int64_t>(options.dtype().itemsize());
}

PrefixCache::PrefixCache(const ModelConfig& config, const CacheShape& shape, const torch::TensorOptions& options)
    : shape_(shape), options_(options) {
  EKT_CHECK(shape.groups > 0 && shape.prompt_tokens > 0 && shape.rows > 0 && shape.decode_tokens > 0,
            "internal: empty sampling cache shape");
  // Zeroed, not empty: masked slots get weight 0 in attention, and 0 * NaN from uninitialised
  // memory would still poison the sum. Stale values of earlier occupants are finite.
  for (int64_t l = 0; l < config.layers; ++l) {
    prefix_k.push_back(torch::zeros({shape.groups, config.kv_heads, shape.prompt_tokens, config.head_dim}, options));
    prefix_v.push_back(torch::zeros_like(prefix_k.back()));
    row_k.push_back(torch::zeros({shape.rows, config.kv_heads, shape.decode_tokens, config.head_dim}, options));
    row_v.push_back(torch::zeros_like(row_k.back()));
  }
}

void PrefixCache::store_prompt(int64_t group, const KvCache& prefill, int64_t row, int64_t length) {
  const int64_t from = prefill.length - length;
  for (size_t l = 0; l < prefix_k.size(); ++l) {
    prefix_k[l][group].narrow(1, 0, length).copy_(prefill.k[l][row].narrow(1, from, length));
    prefix_v[l][group].narrow(1, 0, length).copy_(prefill.v[l][row].narrow(1, from, length));
  }
}

void PrefixCache::move_group(int64_t from, int64_t to, int64_t length) {
  for (size_t l = 0; l < prefix_k.size(); ++l) {
    prefix_k[l][to].narrow(1, 0, length).copy_(prefix_k[l][from].narrow(1, 0, length));
    prefix_v[l][to].narrow(1, 0, length).copy_(prefix_v[l][from].narrow(1, 0, length));
  }
}

void PrefixCache::move_row(int64_t from, int64_t to, int64_t decoded) {
  if (decoded == 0) return;
  for (size_t l = 0; l < row_k.size(); ++l) {
    row_k[l][to].narrow(1, 0, decoded).copy_(row_k[l][from].narrow(1, 0, decoded));
    row_v[l][to].narrow(1, 0, decoded).copy_(row_v[l][from].narrow(1, 0, decoded));
  }
}

namespace {

// Widens dimension 2 (token slots) of every tensor in `layers` to `slots`, keeping the first
// kept[i] slots of each tensor's entry i (a live group or row); the new slots are zero.
void widen_slots(std::vector<torch::Tensor>& layers, int64_t slots, const std::vector<int64_t>& kept,
                 const torch::TensorOptions& options) {
  for (torch::Tensor& t : layers) {
    torch::Tensor grown = torch::zeros({t.size(0), t.size(1), slots, t.size(3)}, options);
    for (size_t i = 0; i < kept.size(); ++i) {
      const auto entry = static_cast<int64_t>(i);
      if (kept[i] > 0) grown[entry].narrow(1, 0, kept[i]).copy_(t[entry].narrow(1, 0, kept[i]));
    }
    t = grown;
  }
}

}  // namespace

void PrefixCache::grow_prompt_tokens(int64_t prompt_tokens, const std::vector<int64_t>& group_length) {
  if (prompt_tokens <= shape_.prompt_tokens) return;
  widen_slots(prefix_k, prompt_tokens, group_length, options_);
  widen_slots(prefix_v, prompt_tokens, group_length, options_);
  shape_.prompt_tokens = prompt_tokens;
}

void PrefixCache::grow_decode_tokens(int64_t decode_tokens, const std::vector<int64_t>& row_decoded) {
  if (decode_tokens <= shape_.decode_tokens) return;
  widen_slots(row_k, decode_tokens, row_decoded, options_);
  widen_slots(row_v, decode_tokens, row_decoded, options_);
  shape_.decode_tokens = decode_tokens;
}

DecodeBatch::DecodeBatch(PrefixCache& cache, AttentionPath path, const std::vector<int64_t>& row_group,
                         const std::vector<int64_t>& row_decoded, const std::vector<int64_t>& group_length, int64_t steps)
    : cache_(cache),
      path_(path),
      rows_(static_cast<int64_t>(row_group.size())),
      groups_(static_cast<int64_t>(group_length.size())) {
  const torch::TensorOptions& o = cache.options();
  if (path_ == AttentionPath::kernel && (portable_kernels() || !(o.device().is_cpu() && o.dtype() == torch::kFloat32)))
    path_ = AttentionPath::torch;
  std::vector<int64_t> rank(row_group.size()), count(group_length.size(), 0);
  for (size_t r = 0; r < row_group.size(); ++r) rank[r] = count[static_cast<size_t>(row_group[r])]++;
  per_group_ = *std::max_element(count.begin(), count.end());
  prefix_len_ = *std::max_element(group_length.begin(), group_length.end());
  EKT_CHECK(steps > 0, "internal: a decode run needs a step");
  decode_len_ = *std::max_element(row_decoded.begin(), row_decoded.end()) + steps;
  EKT_CHECK(decode_len_ <= cache.shape().decode_tokens && prefix_len_ <= cache.shape().prompt_tokens,
            "internal: sampling cache overflow (" << decode_len_ << "/" << cache.shape().decode_tokens << " generated, "
                                                  << prefix_len_ << "/" << cache.shape().prompt_tokens << " prompt slots)");
  row_position_.resize(row_group.size());
  for (size_t r = 0; r < row_group.size(); ++r) row_position_[r] = group_length[row_group[r]] + row_decoded[r];
  row_newest_ = row_decoded;
  group_length_ = group_length;
  group_start_.assign(static_cast<size_t>(groups_ + 1), 0);
  for (int64_t g = 0; g < groups_; ++g) group_start_[g + 1] = group_start_[g] + count[g];
  group_rows_.assign(row_group.size(), 0);
  for (size_t r = 0; r < row_group.size(); ++r) group_rows_[group_start_[row_group[r]] + rank[r]] = static_cast<int64_t>(r);

  row_group_host_ = row_group;
  row_rank_ = rank;
  const torch::Device device = o.device();
  positions_ = host_tensor(row_position_, device).unsqueeze(1);
  row_index_ = torch::arange(rows_, torch::dtype(torch::kInt64).device(device));
  write_slot_ = host_tensor(row_decoded, device);
}

void DecodeBatch::advance() {
  // On the device in place, so a replayed step advances them too; the masks follow from them.
  positions_.add_(1);
  write_slot_.add_(1);
  if (row_slot_.defined()) slot_pos_.index_copy_(0, row_slot_, positions_);
  prefix_blocked_.clear();
  decode_blocked_.clear();
  allowed_.clear();
  // The CPU kernel's copies on the host.
  for (int64_t& p : row_position_) ++p;
  for (int64_t& n : row_newest_) ++n;
}

void DecodeBatch::build_grouped_layout() {
  if (row_slot_.defined()) return;
  const torch::Device device = cache_.options().device();
  std::vector<int64_t> slot(row_group_host_.size());
  // Empty grouped slots get a harmless query (position = prompt length); their results are dropped.
  std::vector<int64_t> slot_pos(static_cast<size_t>(groups_ * per_group_)), slot_len(slot_pos.size());
  for (int64_t g = 0; g < groups_; ++g)
    for (int64_t m = 0; m < per_group_; ++m) slot_pos[g * per_group_ + m] = slot_len[g * per_group_ + m] = group_length_[g];
  for (size_t r = 0; r < row_group_host_.size(); ++r) {
    slot[r] = row_group_host_[r] * per_group_ + row_rank_[r];
    slot_pos[slot[r]] = row_position_[r];
  }
  row_slot_ = host_tensor(slot, device);
  row_group_ = host_tensor(row_group_host_, device);
  slot_pos_ = host_tensor(slot_pos, device).unsqueeze(1);
  slot_len_ = host_tensor(slot_len, device).unsqueeze(1);
}

const torch::Tensor& DecodeBatch::prefix_blocked(int64_t window) {
  auto it = prefix_blocked_.find(window);
  if (it != prefix_blocked_.end()) return it->second;
  build_grouped_layout();
  torch::Tensor key = torch::arange(prefix_len_, slot_pos_.options()).unsqueeze(0);  // (1, Sp)
  torch::Tensor blocked = key >= slot_len_;                                       // (G*M, Sp)
  if (window > 0) blocked.logical_or_(slot_pos_ - key >= window);
  return prefix_blocked_[window] = blocked.view({groups_, 1, 1, per_group_, prefix_len_});
}

const torch::Tensor& DecodeBatch::decode_blocked(int64_t window) {
  auto it = decode_blocked_.find(window);
  if (it != decode_blocked_.end()) return it->second;
  torch::Tensor key = torch::arange(decode_len_, write_slot_.options()).unsqueeze(0);  // (1, Sd)
  torch::Tensor newest = write_slot_.unsqueeze(1);                                  // (R, 1)
  torch::Tensor blocked = key > newest;
  if (window > 0) blocked.logical_or_(newest - key >= window);
  return decode_blocked_[window] = blocked.view({rows_, 1, 1, decode_len_});
}

torch::Tensor DecodeBatch::own(const std::vector<torch::Tensor>& per_layer, size_t layer) const {
  return per_layer[layer].narrow(0, 0, rows_).narrow(2, 0, decode_len_);
}

void DecodeBatch::write(size_t layer, const torch::Tensor& k, const torch::Tensor& v) {
  EKT_CHECK(k.size(0) == rows_ && k.size(2) == 1, "internal: decode step expects one new token per row");
  cache_.row_k[layer].index_put_({row_index_, Slice(), write_slot_}, k.select(2, 0));
  cache_.row_v[layer].index_put_({row_index_, Slice(), write_slot_}, v.select(2, 0));
}

torch::Tensor DecodeBatch::attend(size_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                  int64_t window, double divide_by) {
  if (path_ == AttentionPath::gather) {
    auto [keys, values] = keys_values(layer, k, v);
    return attention(q, keys, values, allowed(window), divide_by);
  }
  write(layer, k, v);
  return path_ == AttentionPath::kernel ? attend_cpu(layer, q, window, divide_by)
                                        : attend_torch(layer, q, k.size(1), window, divide_by);
}

torch::Tensor DecodeBatch::attend_cpu(size_t layer, const torch::Tensor& q, int64_t window, double divide_by) {
  torch::Tensor qs = q.select(2, 0).contiguous();  // (R, H, D); a view when T = 1
  torch::Tensor out = torch::empty_like(qs);
  const torch::Tensor &pk = cache_.prefix_k[layer], &rk = cache_.row_k[layer];
  DecodeAttentionArgs a;
  a.rows = rows_;
  a.heads = qs.size(1);
  a.kv_heads = pk.size(1);
  a.head_dim = qs.size(2);
  a.q = qs.data_ptr<float>();
  a.scale = divide_by != 0.0 ? static_cast<float>(1.0 / divide_by) : 1.0f;
  a.out = out.data_ptr<float>();
  a.prefix_k = pk.data_ptr<float>();
  a.prefix_v = cache_.prefix_v[layer].data_ptr<float>();
  a.prefix_group_stride = pk.stride(0);
  a.prefix_head_stride = pk.stride(1);
  a.own_row_stride = rk.stride(0);
  a.own_head_stride = rk.stride(1);
  a.own_k = rk.data_ptr<float>();
  a.own_v = cache_.row_v[layer].data_ptr<float>();
  a.groups = groups_;
  a.group_start = group_start_.data();
  a.group_rows = group_rows_.data();
  a.group_length = group_length_.data();
  a.row_newest = row_newest_.data();
  a.row_position = row_position_.data();
  a.window = window;
  decode_attention_cpu(a);
  return out.unsqueeze(2);  // (R, H, 1, D)
}

torch::Tensor DecodeBatch::attend_torch(size_t layer, const torch::Tensor& q, int64_t kv_heads, int64_t window,
                                        double divide_by) {
  build_grouped_layout();
  const int64_t R = rows_, G = groups_, M = per_group_, H = q.size(1), Hkv = kv_heads, rep = H / Hkv, D = q.size(3);
  torch::Tensor qs = q.select(2, 0).to(torch::kFloat32);  // (R, H, D)
  if (divide_by != 0.0) qs = qs / divide_by;

  // Prompt part, per group: (G, Hkv, rep*M, D) x (G, Hkv, D, Sp).
  torch::Tensor grouped = torch::zeros({G * M, H, D}, qs.options()).index_copy_(0, row_slot_, qs);
  grouped = grouped.view({G, M, Hkv, rep, D}).permute({0, 2, 3, 1, 4}).reshape({G, Hkv, rep * M, D});
  torch::Tensor prefix_k = cache_.prefix_k[layer].narrow(0, 0, G).narrow(2, 0, prefix_len_).to(torch::kFloat32);
  torch::Tensor prefix_v = cache_.prefix_v[layer].narrow(0, 0, G).narrow(2, 0, prefix_len_).to(torch::kFloat32);
  torch::Tensor scores = torch::matmul(grouped, prefix_k.transpose(-1, -2));
  scores = scores.view({G, Hkv, rep, M, prefix_len_}).masked_fill_(prefix_blocked(window), -INFINITY);
  SoftmaxPart prompt = softmax_part(scores);  // max/sum (G, Hkv, rep, M)
  torch::Tensor prompt_out = torch::matmul(prompt.weights.view({G, Hkv, rep * M, prefix_len_}), prefix_v);
  // Back to rows: (G, Hkv, rep, M, ...) -> (G*M, H, ...) -> (R, H, ...).
  auto to_rows = [&](const torch::Tensor& t, int64_t last) {
    torch::Tensor x = last ? t.view({G, Hkv, rep, M, last}).permute({0, 3, 1, 2, 4}).reshape({G * M, H, last})
                           : t.view({G, Hkv, rep, M}).permute({0, 3, 1, 2}).reshape({G * M, H});
    return x.index_select(0, row_slot_);
  };
  torch::Tensor out_p = to_rows(prompt_out, D), max_p = to_rows(prompt.max, 0), sum_p = to_rows(prompt.sum, 0);

  // Generated part, per row: (R, Hkv, rep, D) x (R, Hkv, D, Sd).
  torch::Tensor own_scores = torch::matmul(qs.reshape({R, Hkv, rep, D}), own(cache_.row_k, layer).to(torch::kFloat32).transpose(-1, -2));
  own_scores.masked_fill_(decode_blocked(window), -INFINITY);
  SoftmaxPart generated = softmax_part(own_scores);  // the row's newest key is always visible
  torch::Tensor out_d = torch::matmul(generated.weights, own(cache_.row_v, layer).to(torch::kFloat32)).reshape({R, H, D});
  torch::Tensor max_d = generated.max.reshape({R, H}), sum_d = generated.sum.reshape({R, H});

  // Merge the parts: softmax over the union of keys.
  torch::Tensor max = torch::maximum(max_p, max_d);
  torch::Tensor scale_p = (max_p - max).exp_(), scale_d = (max_d - max).exp_();  // (R, H)
  torch::Tensor out = (out_p * scale_p.unsqueeze(-1) + out_d * scale_d.unsqueeze(-1)) / (sum_p * scale_p + sum_d * scale_d).unsqueeze(-1);
  return out.to(q.scalar_type()).unsqueeze(2);  // (R, H, 1, D)
}

std::pair<torch::Tensor, torch::Tensor> DecodeBatch::keys_values(size_t layer, const torch::Tensor& k, const torch::Tensor& v) {
  build_grouped_layout();
  write(layer, k, v);
  auto per_row = [&](const std::vector<torch::Tensor>& prefix, const std::vector<torch::Tensor>& generated) {
    torch::Tensor p = prefix[layer].narrow(0, 0, groups_).narrow(2, 0, prefix_len_).index_select(0, row_group_);
    return torch::cat({p, own(generated, layer)}, 2);  // (R, Hkv, Sp + Sd, D)
  };
  return {per_row(cache_.prefix_k, cache_.row_k), per_row(cache_.prefix_v, cache_.row_v)};
}

const torch::Tensor& DecodeBatch::allowed(int64_t window) {
  auto it = allowed_.find(window);
  if (it != allowed_.end()) return it->second;
  torch::Tensor prompt = prefix_blocked(window).view({groups_ * per_group_, prefix_len_}).index_select(0, row_slot_);
  torch::Tensor generated = decode_blocked(window).view({rows_, decode_len_});
  return allowed_[window] = torch::cat({prompt, generated}, 1).logical_not().view({rows_, 1, 1, prefix_len_ + decode_len_});
}

}  // namespace ekt
