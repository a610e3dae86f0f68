// The Llama family (Hugging Face LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM):
// pre-RMSNorm blocks x + attn(norm(x)), then x + mlp(norm(x)); rotary embeddings on whole heads
// (rotate_half pairing) with rope_theta and rope_scaling; grouped-query attention with
// num_key_value_heads; SwiGLU MLP down(act(gate(x)) * up(x)); final RMSNorm; optionally tied LM
// head without bias. The three differ only in config: biases (Qwen2 q/k/v, Llama attention_bias
// and mlp_bias) and sliding-window layers (Mistral, Qwen2), all read by config.cpp.
#include <cmath>

#include "training/checkpoint_activations.h"
#include "models/layers.h"
#include "models/model.h"
#include "models/rope.h"

namespace ekt {
namespace {

std::string layer_prefix(int64_t layer) { return "model.layers." + std::to_string(layer) + "."; }

// A weight and, when the config gives the projection one, its bias.
void add_linear(std::vector<ParamSpec>& s, const std::string& name, int64_t out, int64_t in, bool bias) {
  s.push_back({name + ".weight", {out, in}});
  if (bias) s.push_back({name + ".bias", {out}});
}

std::vector<ParamSpec> llama_specs(const ModelConfig& c) {
  const int64_t C = c.hidden, F = c.inner, Q = c.heads * c.head_dim, KV = c.kv_heads * c.head_dim;
  std::vector<ParamSpec> s = {{"model.embed_tokens.weight", {c.vocab_size, C}}};
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string p = layer_prefix(l);
    add_linear(s, p + "self_attn.q_proj", Q, C, c.qkv_bias);
    add_linear(s, p + "self_attn.k_proj", KV, C, c.qkv_bias);
    add_linear(s, p + "self_attn.v_proj", KV, C, c.qkv_bias);
    add_linear(s, p + "self_attn.o_proj", C, Q, c.out_bias);
    add_linear(s, p + "mlp.gate_proj", F, C, c.mlp_bias);
    add_linear(s, p + "mlp.up_proj", F, C, c.mlp_bias);
    add_linear(s, p + "mlp.down_proj", C, F, c.mlp_bias);
    s.push_back({p + "input_layernorm.weight", {C}});
    s.push_back({p + "post_attention_layernorm.weight", {C}});
  }
  s.push_back({"model.norm.weight", {C}});
  if (!c.tie_word_embeddings) s.push_back({"lm_head.weight", {c.vocab_size, C}});
  return s;
}

class Llama final : public CausalLM {
 public:
  Llama(const ModelConfig& config, WeightSource& weights)
      : CausalLM(config, llama_specs(config), weights), rotary_(config.rope, device()) {
    embed_ = param("model.embed_tokens.weight");
    lm_head_ = config.tie_word_embeddings ? embed_ : param("lm_head.weight");
    norm_ = param("model.norm.weight");
    for (int64_t l = 0; l < config.layers; ++l) {
      const std::string p = layer_prefix(l);
      layers_.push_back({param(p + "input_layernorm.weight"), param(p + "post_attention_layernorm.weight"),
                         linear(p + "self_attn.q_proj", config.qkv_bias), linear(p + "self_attn.k_proj", config.qkv_bias),
                         linear(p + "self_attn.v_proj", config.qkv_bias), linear(p + "self_attn.o_proj", config.out_bias),
                         linear(p + "mlp.gate_proj", config.mlp_bias), linear(p + "mlp.up_proj", config.mlp_bias),
                         linear(p + "mlp.down_proj", config.mlp_bias)});
    }
  }

  torch::Tensor hidden(const torch::Tensor& ids, const AttentionContext& ctx) override {
    const ModelConfig& c = config();
    const double divide_by = std::sqrt(static_cast<double>(c.head_dim));
    torch::Tensor x = torch::embedding(embed_, ids);  // (B, T, C)
    const Rotary::Angles angles = rotary_.angles(ctx, x.scalar_type());
    for (size_t l = 0; l < layers_.size(); ++l) {
      x = run_block(*this, layer_prefix(static_cast<int64_t>(l)), x, [this, l, ctx, angles, divide_by](const torch::Tensor& in) {
        const ModelConfig& cfg = config();
        const Layer& w = layers_[l];
        torch::Tensor h = rms_norm(in, w.input_norm, cfg.norm_eps);
        torch::Tensor q = rotary_.apply(split_heads(w.q(h), cfg.heads), angles);  // (B, H, T, D)
        torch::Tensor k = rotary_.apply(split_heads(w.k(h), cfg.kv_heads), angles);  // (B, Hkv, T, D)
        auto [keys, values] = ctx.keys_values(l, k, split_heads(w.v(h), cfg.kv_heads));
        torch::Tensor y = attention(q, keys, values, ctx.allowed(cfg.window[l]), divide_by);  // (B, H, T, D)
        torch::Tensor x1 = in + w.o(merge_heads(y));
        h = rms_norm(x1, w.post_norm, cfg.norm_eps);
        return x1 + w.down(activation(w.gate(h), cfg.activation) * w.up(h));  // (B, T, C)
      });
    }
    return rms_norm(x, norm_, c.norm_eps);
  }

  torch::Tensor logits(const torch::Tensor& hidden) override {
    return torch::linear(hidden, lm_head_);  // (..., V)
  }

 private:
  struct Linear {
    torch::Tensor weight, bias;  // bias undefined when the projection has none
    torch::Tensor operator()(const torch::Tensor& x) const { return torch::linear(x, weight, bias); }
  };
  struct Layer {
    torch::Tensor input_norm, post_norm;
    Linear q, k, v, o, gate, up, down;
  };

  Linear linear(const std::string& name, bool bias) const {
    return {param(name + ".weight"), bias ? param(name + ".bias") : torch::Tensor()};
  }

  Rotary rotary_;
  torch::Tensor embed_, lm_head_, norm_;
  std::vector<Layer> layers_;
};

std::unique_ptr<CausalLM> llama_create(const ModelConfig& c, WeightSource& w) {
  check_activation(c.activation, c.model_type + " config (hidden_act)");
  return std::make_unique<Llama>(c, w);
}

}  // namespace

// Older Llama checkpoints store the rotary inverse frequencies as a buffer; they are recomputed.
extern const Architecture kLlamaArchitecture, kQwen2Architecture, kMistralArchitecture;
const Architecture kLlamaArchitecture{"llama", llama_specs, llama_create, {".rotary_emb.inv_freq"}};
const Architecture kQwen2Architecture{"qwen2", llama_specs, llama_create, {".rotary_emb.inv_freq"}};
const Architecture kMistralArchitecture{"mistral", llama_specs, llama_create, {".rotary_emb.inv_freq"}};

}  // namespace ekt
