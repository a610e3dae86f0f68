#include "models/model.h"

#include <limits>

#include "error.h"
#include "models/layers.h"

namespace ekt {

extern const Architecture kGpt2Architecture;
extern const Architecture kGptNeoArchitecture;
extern const Architecture kGptjArchitecture;
extern const Architecture kLlamaArchitecture, kQwen2Architecture, kMistralArchitecture;

const Architecture& architecture_for(const ModelConfig& config) {
  for (const Architecture* a : {&kGpt2Architecture, &kGptNeoArchitecture, &kGptjArchitecture, &kLlamaArchitecture,
                                &kQwen2Architecture, &kMistralArchitecture})
    if (config.model_type == a->model_type) return *a;
  EKT_FAIL("unknown model_type '" << config.model_type << "'");
}

CausalLM::CausalLM(ModelConfig config, const std::vector<ParamSpec>& specs, WeightSource& weights)
    : config_(std::move(config)) {
  for (const ParamSpec& spec : specs) {
    auto it = weights.find(spec.name);
    EKT_CHECK(it != weights.end(), "internal: weight '" << spec.name << "' was not loaded");
    index_[spec.name] = params_.size();
    params_.push_back({spec.name, std::move(it->second)});
    weights.erase(it);
  }
}

const torch::Tensor& CausalLM::param(const std::string& name) const {
  auto it = index_.find(name);
  EKT_CHECK(it != index_.end(), "internal: model has no parameter '" << name << "'");
  return params_[it->second].tensor;
}

KvCache::KvCache(const ModelConfig& config, int64_t batch, int64_t capacity, const torch::TensorOptions& options) {
  EKT_CHECK(batch > 0 && capacity > 0, "KV cache needs a positive batch and capacity, got " << batch << " x " << capacity);
  for (int64_t l = 0; l < config.layers; ++l) {
    k.push_back(torch::zeros({batch, config.kv_heads, capacity, config.head_dim}, options));
    v.push_back(torch::zeros({batch, config.kv_heads, capacity, config.head_dim}, options));
  }
  auto idx = options.dtype(torch::kInt64);
  key_pos = torch::zeros({batch, capacity}, idx);
  key_valid = torch::zeros({batch, capacity}, idx.dtype(torch::kBool));
  next_pos = torch::zeros({batch}, idx);
}

AttentionContext::AttentionContext(const ModelConfig& config, const torch::Tensor& valid, KvCache* cache)
    : valid_(valid), cache_(cache) {
  const int64_t batch = valid.size(0), steps = valid.size(1);
  torch::Tensor count = valid.to(torch::kInt64);
  torch::Tensor base = cache ? cache->next_pos.unsqueeze(1) : torch::zeros({batch, 1}, count.options());
  // Position of a token = number of real tokens before it in its row (padding gets no position
  // of its own), so left and right padding give the same results as no padding.
  positions_ = base + count.cumsum(1) - count;  // (B, T)
  const int64_t last_real = (positions_ * count).max().item<int64_t>();
  EKT_CHECK(last_real < config.max_positions,
            "sequence needs position " << last_real << " but the model's context is " << config.max_positions << " tokens");
  positions_ = positions_.clamp_max(config.max_positions - 1);

  torch::Tensor key_pos = positions_, key_valid = valid;
  if (cache) {
    EKT_CHECK(cache->batch() == batch, "KV cache has " << cache->batch() << " rows, batch has " << batch);
    start_ = cache->length;
    steps_ = steps;
    EKT_CHECK(start_ + steps <= cache->capacity(),
              "KV cache capacity " << cache->capacity() << " exceeded (" << start_ << " used + " << steps << " new)");
    cache->key_pos.narrow(1, start_, steps).copy_(positions_);
    cache->key_valid.narrow(1, start_, steps).copy_(valid);
    key_pos = cache->key_pos.narrow(1, 0, start_ + steps);
    key_valid = cache->key_valid.narrow(1, 0, start_ + steps);
  }
  torch::Tensor q = positions_.unsqueeze(1).unsqueeze(3);                 // (B, 1, T, 1)
  torch::Tensor kp = key_pos.unsqueeze(1).unsqueeze(2);                   // (B, 1, 1, S)
  torch::Tensor global = key_valid.unsqueeze(1).unsqueeze(2).logical_and(kp <= q);  // (B, 1, T, S)
  allowed_[0] = global;
  for (int64_t w : config.window)
    if (w > 0 && !allowed_.count(w)) allowed_[w] = global.logical_and((q - kp) < w);
}

AttentionContext::AttentionContext(torch::Tensor positions, AttentionBackend& backend)
    : positions_(std::move(positions)), backend_(&backend) {}

const torch::Tensor& AttentionContext::allowed(int64_t window) const {
  if (backend_) return backend_->allowed(window);
  auto it = allowed_.find(window);
  EKT_CHECK(it != allowed_.end(), "internal: no attention mask for window " << window);
  return it->second;
}

std::pair<torch::Tensor, torch::Tensor> AttentionContext::keys_values(size_t layer, const torch::Tensor& k,
                                                                      const torch::Tensor& v) const {
  if (backend_) return backend_->keys_values(layer, k, v);
  if (!cache_) return {k, v};
  cache_->k[layer].narrow(2, start_, steps_).copy_(k);
  cache_->v[layer].narrow(2, start_, steps_).copy_(v);
  return {cache_->k[layer].narrow(2, 0, start_ + steps_), cache_->v[layer].narrow(2, 0, start_ + steps_)};
}

torch::Tensor AttentionContext::attend(size_t layer, const torch::Tensor& q, const torch::Tensor& k,
                                       const torch::Tensor& v, int64_t window, double divide_by) const {
  if (backend_) return backend_->attend(layer, q, k, v, window, divide_by);
  auto [keys, values] = keys_values(layer, k, v);
  return attention(q, keys, values, allowed(window), divide_by);
}

void AttentionContext::commit() {
  if (!cache_) return;
  cache_->length = start_ + steps_;
  cache_->next_pos = cache_->key_pos.narrow(1, 0, cache_->length).masked_fill(
                         cache_->key_valid.narrow(1, 0, cache_->length).logical_not(), -1).amax(1) + 1;
}

torch::Tensor CausalLM::forward(const torch::Tensor& ids, const torch::Tensor& valid, KvCache* cache, bool last_only) {
  EKT_CHECK(ids.dim() == 2 && valid.sizes() == ids.sizes(), "forward needs ids and mask of shape (batch, seq)");
  EKT_CHECK(ids.size(0) > 0 && ids.size(1) > 0, "forward needs a non-empty batch");
  const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
  EKT_CHECK(lo >= 0 && hi < config_.vocab_size, "token id " << (lo < 0 ? lo : hi) << " is outside the vocabulary [0, " << config_.vocab_size << ")");
  AttentionContext ctx(config_, valid, cache);
  torch::Tensor h = hidden(ids, ctx);  // (B, T, C)
  ctx.commit();
  if (!last_only) return logits(h);
  torch::Tensor count = valid.to(torch::kInt64);
  EKT_CHECK(count.sum(1).min().item<int64_t>() > 0, "every row needs at least one real (unmasked) token");
  torch::Tensor last = (count * torch::arange(ids.size(1), count.options())).argmax(1);  // (B,)
  torch::Tensor rows = torch::arange(ids.size(0), count.options());
  return logits(h.index({rows, last}));  // (B, V)
}

}  // namespace ekt
