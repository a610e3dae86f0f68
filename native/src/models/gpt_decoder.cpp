#include "models/gpt_decoder.h"

#include "training/checkpoint_activations.h"
#include "models/layers.h"

namespace ekt {

std::vector<ParamSpec> GptDecoder::specs(const ModelConfig& c, const LayerSpecs& layer_specs) {
  const int64_t C = c.hidden;
  std::vector<ParamSpec> s = {{"transformer.wte.weight", {c.vocab_size, C}}, {"transformer.wpe.weight", {c.max_positions, C}}};
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string p = layer_prefix(static_cast<size_t>(l));
    s.push_back({p + "ln_1.weight", {C}});
    s.push_back({p + "ln_1.bias", {C}});
    layer_specs(p, "attn", s);
    s.push_back({p + "ln_2.weight", {C}});
    s.push_back({p + "ln_2.bias", {C}});
    layer_specs(p, "mlp", s);
  }
  s.push_back({"transformer.ln_f.weight", {C}});
  s.push_back({"transformer.ln_f.bias", {C}});
  if (!c.tie_word_embeddings) s.push_back({"lm_head.weight", {c.vocab_size, C}});
  return s;
}

GptDecoder::GptDecoder(const ModelConfig& config, const std::vector<ParamSpec>& specs, WeightSource& weights)
    : CausalLM(config, specs, weights) {
  wte_ = param("transformer.wte.weight");
  wpe_ = param("transformer.wpe.weight");
  lm_head_ = config.tie_word_embeddings ? wte_ : param("lm_head.weight");
  ln_f_ = {param("transformer.ln_f.weight"), param("transformer.ln_f.bias")};
  for (int64_t l = 0; l < config.layers; ++l) {
    const std::string p = layer_prefix(static_cast<size_t>(l));
    ln_1_.push_back({param(p + "ln_1.weight"), param(p + "ln_1.bias")});
    ln_2_.push_back({param(p + "ln_2.weight"), param(p + "ln_2.bias")});
  }
}

torch::Tensor GptDecoder::hidden(const torch::Tensor& ids, const AttentionContext& ctx) {
  const double eps = config().norm_eps;
  const int64_t C = config().hidden;
  torch::Tensor x = torch::embedding(wte_, ids) + torch::embedding(wpe_, ctx.positions());  // (B, T, C)
  for (size_t l = 0; l < ln_1_.size(); ++l) {
    x = run_block(*this, layer_prefix(l), x, [this, l, ctx, C, eps](const torch::Tensor& in) {
      torch::Tensor h = in + attention_block(l, torch::layer_norm(in, {C}, ln_1_[l].weight, ln_1_[l].bias, eps), ctx);
      return h + mlp_block(l, torch::layer_norm(h, {C}, ln_2_[l].weight, ln_2_[l].bias, eps));
    });
  }
  return torch::layer_norm(x, {C}, ln_f_.weight, ln_f_.bias, eps);
}

torch::Tensor GptDecoder::logits(const torch::Tensor& hidden) {
  return dense(hidden, lm_head_, {}, WeightLayout::out_in);  // (..., V)
}

}  // namespace ekt
