// GPT-J (Hugging Face GPTJForCausalLM). No position embeddings: q and k get rotary embeddings on
// their first rotary_dim dims (interleaved pairs). Each block runs attention and MLP in parallel
// on one LayerNorm: x + attn(ln_1(x)) + mlp(ln_1(x)). q/k/v/out projections have no bias;
// attention logits are divided by sqrt(head_dim) in float32; the LM head has a bias.
#include <cmath>

#include "training/checkpoint_activations.h"
#include "models/layers.h"
#include "models/model.h"
#include "models/rope.h"

namespace ekt {
namespace {

std::string layer_prefix(int64_t layer) { return "transformer.h." + std::to_string(layer) + "."; }

std::vector<ParamSpec> gptj_specs(const ModelConfig& c) {
  const int64_t C = c.hidden, F = c.inner;
  std::vector<ParamSpec> s = {{"transformer.wte.weight", {c.vocab_size, C}}};
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string p = layer_prefix(l);
    s.insert(s.end(), {{p + "ln_1.weight", {C}}, {p + "ln_1.bias", {C}},
                       {p + "attn.k_proj.weight", {C, C}}, {p + "attn.v_proj.weight", {C, C}},
                       {p + "attn.q_proj.weight", {C, C}}, {p + "attn.out_proj.weight", {C, C}},
                       {p + "mlp.fc_in.weight", {F, C}}, {p + "mlp.fc_in.bias", {F}},
                       {p + "mlp.fc_out.weight", {C, F}}, {p + "mlp.fc_out.bias", {C}}});
  }
  s.push_back({"transformer.ln_f.weight", {C}});
  s.push_back({"transformer.ln_f.bias", {C}});
  if (!c.tie_word_embeddings) s.push_back({"lm_head.weight", {c.vocab_size, C}});
  s.push_back({"lm_head.bias", {c.vocab_size}});
  return s;
}

class Gptj final : public CausalLM {
 public:
  Gptj(const ModelConfig& config, WeightSource& weights)
      : CausalLM(config, gptj_specs(config), weights), rotary_(config.rope, device()) {
    wte_ = param("transformer.wte.weight");
    lm_head_w_ = config.tie_word_embeddings ? wte_ : param("lm_head.weight");
    lm_head_b_ = param("lm_head.bias");
    ln_f_w_ = param("transformer.ln_f.weight");
    ln_f_b_ = param("transformer.ln_f.bias");
    for (int64_t l = 0; l < config.layers; ++l) {
      const std::string p = layer_prefix(l);
      layers_.push_back({param(p + "ln_1.weight"), param(p + "ln_1.bias"), param(p + "attn.q_proj.weight"),
                         param(p + "attn.k_proj.weight"), param(p + "attn.v_proj.weight"), param(p + "attn.out_proj.weight"),
                         param(p + "mlp.fc_in.weight"), param(p + "mlp.fc_in.bias"), param(p + "mlp.fc_out.weight"),
                         param(p + "mlp.fc_out.bias")});
    }
  }

  torch::Tensor hidden(const torch::Tensor& ids, const AttentionContext& ctx) override {
    const ModelConfig& c = config();
    torch::Tensor x = torch::embedding(wte_, ids);  // (B, T, C)
    const Rotary::Angles angles = rotary_.angles(ctx, x.scalar_type());
    for (size_t l = 0; l < layers_.size(); ++l) {
      x = run_block(*this, layer_prefix(static_cast<int64_t>(l)), x, [this, l, ctx, angles](const torch::Tensor& in) {
        const ModelConfig& cfg = config();
        const Layer& w = layers_[l];
        torch::Tensor h = torch::layer_norm(in, {cfg.hidden}, w.ln_w, w.ln_b, cfg.norm_eps);
        torch::Tensor q = rotary_.apply(split_heads(torch::linear(h, w.q), cfg.heads), angles);  // (B, H, T, D)
        torch::Tensor k = rotary_.apply(split_heads(torch::linear(h, w.k), cfg.heads), angles);
        auto [keys, values] = ctx.keys_values(l, k, split_heads(torch::linear(h, w.v), cfg.heads));
        torch::Tensor y = attention(q, keys, values, ctx.allowed(0), std::sqrt(static_cast<double>(cfg.head_dim)));
        torch::Tensor mlp = torch::linear(activation(torch::linear(h, w.fc_in_w, w.fc_in_b), cfg.activation), w.fc_out_w, w.fc_out_b);
        return in + torch::linear(merge_heads(y), w.out) + mlp;
      });
    }
    return torch::layer_norm(x, {c.hidden}, ln_f_w_, ln_f_b_, c.norm_eps);
  }

  torch::Tensor logits(const torch::Tensor& hidden) override {
    return torch::linear(hidden, lm_head_w_, lm_head_b_);  // (..., V)
  }

 private:
  struct Layer {
    torch::Tensor ln_w, ln_b, q, k, v, out, fc_in_w, fc_in_b, fc_out_w, fc_out_b;
  };
  Rotary rotary_;
  torch::Tensor wte_, lm_head_w_, lm_head_b_, ln_f_w_, ln_f_b_;
  std::vector<Layer> layers_;
};

std::unique_ptr<CausalLM> gptj_create(const ModelConfig& c, WeightSource& w) {
  check_activation(c.activation, "GPT-J config");
  return std::make_unique<Gptj>(c, w);
}

}  // namespace

extern const Architecture kGptjArchitecture;
const Architecture kGptjArchitecture{"gptj", gptj_specs, gptj_create, {".attn.bias", ".attn.masked_bias"}};

}  // namespace ekt
