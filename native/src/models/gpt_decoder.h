// What GPT-2 and GPT-Neo share: token + learned position embeddings, pre-LayerNorm blocks
// (x + attn(ln_1(x)), then x + mlp(ln_2(x))), a final LayerNorm and a (tied) LM head. The two
// differ only in how attention and MLP weights are laid out, which subclasses supply.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "models/model.h"

namespace ekt {

class GptDecoder : public CausalLM {
 public:
  // Specs in Hugging Face state_dict order; `layer_specs(prefix, attn_or_mlp)` adds the
  // architecture's attention ("attn") and MLP ("mlp") tensors of one layer.
  using LayerSpecs = std::function<void(const std::string& prefix, const std::string& part, std::vector<ParamSpec>&)>;
  static std::vector<ParamSpec> specs(const ModelConfig& c, const LayerSpecs& layer_specs);

  GptDecoder(const ModelConfig& config, const std::vector<ParamSpec>& specs, WeightSource& weights);

  torch::Tensor hidden(const torch::Tensor& ids, const AttentionContext& ctx) override;
  torch::Tensor logits(const torch::Tensor& hidden) override;

 protected:
  // x: (B, T, C) normalised input of the block -> (B, T, C).
  virtual torch::Tensor attention_block(size_t layer, const torch::Tensor& x, const AttentionContext& ctx) = 0;
  virtual torch::Tensor mlp_block(size_t layer, const torch::Tensor& x) = 0;
  static std::string layer_prefix(size_t layer) { return "transformer.h." + std::to_string(layer) + "."; }

 private:
  struct Norm {
    torch::Tensor weight, bias;
  };
  torch::Tensor wte_, wpe_, lm_head_;
  Norm ln_f_;
  std::vector<Norm> ln_1_, ln_2_;
};

}  // namespace ekt
