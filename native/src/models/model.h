// The causal language model interface shared by every architecture, the KV cache and the
// per-forward attention context. Parameters keep Hugging Face names so save/load round-trips
// and the trainer can address them.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/config.h"

namespace ekt {

struct Param {
  std::string name;  // Hugging Face state_dict name, e.g. "transformer.h.0.attn.c_attn.weight"
  torch::Tensor tensor;
};

// Keys/values preallocated for incremental decoding. One write index (`length`) is shared by
// every row: a forward of T tokens fills slots [length, length + T) of all rows; padding slots
// are marked invalid. Rows can be selected/reordered by the sampler (index_select on dim 0).
struct KvCache {
  KvCache(const ModelConfig& config, int64_t batch, int64_t capacity, const torch::TensorOptions& options);
  std::vector<torch::Tensor> k, v;  // per layer: (B, kv_heads, capacity, head_dim)
  torch::Tensor key_pos;            // (B, capacity) int64: position id of each slot
  torch::Tensor key_valid;          // (B, capacity) bool: slot holds a real token
  torch::Tensor next_pos;           // (B,) int64: position id the next real token gets
  int64_t length = 0;               // slots used
  int64_t batch() const { return key_pos.size(0); }
  int64_t capacity() const { return key_pos.size(1); }
};

// Keys/values kept outside the model in a layout of its own (the sampler's shared prompt
// prefixes, generate.h). The model hands it each layer's new q/k/v; it stores them and attends.
class AttentionBackend {
 public:
  virtual ~AttentionBackend() = default;
  // q (B, H, T, D), new k/v (B, Hkv, T, D) of `layer` -> attention output (B, H, T, D).
  virtual torch::Tensor attend(size_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               int64_t window, double divide_by) = 0;
  // Fallback for architectures that call keys_values() + attention() themselves: every key a
  // row sees, gathered per row (B, Hkv, S, D), and the (B, 1, T, S) mask over them.
  virtual std::pair<torch::Tensor, torch::Tensor> keys_values(size_t layer, const torch::Tensor& k, const torch::Tensor& v) = 0;
  virtual const torch::Tensor& allowed(int64_t window) = 0;
};

// Which keys each query sees in one forward call; built once, shared by all layers.
class AttentionContext {
 public:
  AttentionContext(const ModelConfig& config, const torch::Tensor& valid, KvCache* cache);
  // Keys/values live in `backend`; positions (B, T) are the new tokens' position ids.
  AttentionContext(torch::Tensor positions, AttentionBackend& backend);
  const torch::Tensor& positions() const { return positions_; }  // (B, T) int64
  const torch::Tensor& valid() const { return valid_; }          // (B, T) bool: real tokens
  // (B, 1, T, S) bool: causal by position, padding excluded, limited to `window` if > 0.
  const torch::Tensor& allowed(int64_t window) const;
  // The keys/values of `layer` that the new queries attend over: the fresh (B, H, T, D) ones
  // without a cache; with a cache they are written into it and the filled prefix is returned.
  std::pair<torch::Tensor, torch::Tensor> keys_values(size_t layer, const torch::Tensor& k, const torch::Tensor& v) const;
  // Attention of the new queries q (B, H, T, D) over the keys they may see, the new k/v
  // (B, Hkv, T, D) included: keys_values + attention(), or the backend's own kernel.
  // Architectures call this, so any cache layout works with them.
  torch::Tensor attend(size_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       int64_t window, double divide_by) const;
  // Marks the new slots as used (called once after all layers ran).
  void commit();

 private:
  torch::Tensor positions_, valid_;
  std::map<int64_t, torch::Tensor> allowed_;
  KvCache* cache_ = nullptr;
  AttentionBackend* backend_ = nullptr;
  int64_t start_ = 0, steps_ = 0;
};

// The parameters an architecture expects, by Hugging Face name and shape.
struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
};

// Loaded tensors by name; each architecture takes the ones its specs name.
using WeightSource = std::map<std::string, torch::Tensor>;

class CausalLM {
 public:
  // Registers one parameter per spec, in spec order, taking it out of `weights`.
  CausalLM(ModelConfig config, const std::vector<ParamSpec>& specs, WeightSource& weights);
  virtual ~CausalLM() = default;
  CausalLM(const CausalLM&) = delete;
  CausalLM& operator=(const CausalLM&) = delete;

  const ModelConfig& config() const { return config_; }
  const std::vector<Param>& params() const { return params_; }
  torch::Device device() const { return params_.front().tensor.device(); }
  torch::ScalarType dtype() const { return params_.front().tensor.scalar_type(); }  // weights and compute

  // ids (B, T) -> final hidden states (B, T, C).
  virtual torch::Tensor hidden(const torch::Tensor& ids, const AttentionContext& ctx) = 0;
  // Final hidden states (..., C) -> logits (..., V).
  virtual torch::Tensor logits(const torch::Tensor& hidden) = 0;

  // ids (B, T) int64, valid (B, T) bool. last_only: logits of each row's last real token
  // (B, V); otherwise (B, T, V). With a cache the new tokens are appended to it.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& valid, KvCache* cache, bool last_only);

 protected:
  // A registered parameter by name (architectures wire their layers with this).
  const torch::Tensor& param(const std::string& name) const;

 private:
  ModelConfig config_;
  std::vector<Param> params_;
  std::map<std::string, size_t> index_;
};

struct Architecture {
  const char* model_type;
  std::vector<ParamSpec> (*specs)(const ModelConfig&);
  std::unique_ptr<CausalLM> (*create)(const ModelConfig&, WeightSource&);
  // Names in checkpoints that are buffers, not parameters (safe to ignore), as suffixes.
  std::vector<std::string> ignored_suffixes;
};

const Architecture& architecture_for(const ModelConfig& config);

}  // namespace ekt
