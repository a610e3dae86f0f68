// GPT-2 (Hugging Face GPT2LMHeadModel). Conv1D weights are stored [in, out], so projections are
// x @ W + b. Attention logits are divided by sqrt(head_dim) (and by layer index + 1 if the
// config asks). Fused c_attn produces q, k, v.
#include <cmath>

#include "models/gpt_decoder.h"
#include "models/layers.h"

namespace ekt {
namespace {

class Gpt2 final : public GptDecoder {
 public:
  Gpt2(const ModelConfig& config, const std::vector<ParamSpec>& specs, WeightSource& weights)
      : GptDecoder(config, specs, weights) {
    for (int64_t l = 0; l < config.layers; ++l) {
      const std::string p = layer_prefix(static_cast<size_t>(l));
      layers_.push_back({param(p + "attn.c_attn.weight"), param(p + "attn.c_attn.bias"), param(p + "attn.c_proj.weight"),
                         param(p + "attn.c_proj.bias"), param(p + "mlp.c_fc.weight"), param(p + "mlp.c_fc.bias"),
                         param(p + "mlp.c_proj.weight"), param(p + "mlp.c_proj.bias")});
    }
  }

  static void layer_specs(const ModelConfig& c, const std::string& p, const std::string& part, std::vector<ParamSpec>& s) {
    const int64_t C = c.hidden, F = c.inner;
    if (part == "attn") {
      s.insert(s.end(), {{p + "attn.c_attn.weight", {C, 3 * C}}, {p + "attn.c_attn.bias", {3 * C}},
                         {p + "attn.c_proj.weight", {C, C}}, {p + "attn.c_proj.bias", {C}}});
    } else {
      s.insert(s.end(), {{p + "mlp.c_fc.weight", {C, F}}, {p + "mlp.c_fc.bias", {F}},
                         {p + "mlp.c_proj.weight", {F, C}}, {p + "mlp.c_proj.bias", {C}}});
    }
  }

 protected:
  torch::Tensor attention_block(size_t l, const torch::Tensor& x, const AttentionContext& ctx) override {
    const Layer& w = layers_[l];
    const int64_t H = config().heads;
    torch::Tensor qkv = dense(x, w.c_attn_w, w.c_attn_b, WeightLayout::in_out);  // (B, T, 3C)
    auto parts = qkv.chunk(3, -1);
    double divide_by = config().scale_attention ? std::sqrt(static_cast<double>(config().head_dim)) : 1.0;
    if (config().scale_by_inverse_layer_idx) divide_by *= static_cast<double>(l + 1);
    torch::Tensor y = ctx.attend(l, split_heads(parts[0], H), split_heads(parts[1], H), split_heads(parts[2], H), 0,
                                 divide_by);  // (B, H, T, D)
    return dense(merge_heads(y), w.c_proj_w, w.c_proj_b, WeightLayout::in_out);
  }

  torch::Tensor mlp_block(size_t l, const torch::Tensor& x) override {
    const Layer& w = layers_[l];
    torch::Tensor h = activation(dense(x, w.fc_w, w.fc_b, WeightLayout::in_out), config().activation);  // (B, T, F)
    return dense(h, w.proj_w, w.proj_b, WeightLayout::in_out);
  }

 private:
  struct Layer {
    torch::Tensor c_attn_w, c_attn_b, c_proj_w, c_proj_b, fc_w, fc_b, proj_w, proj_b;
  };
  std::vector<Layer> layers_;
};

std::vector<ParamSpec> gpt2_specs(const ModelConfig& c) {
  return GptDecoder::specs(c, [&c](const std::string& p, const std::string& part, std::vector<ParamSpec>& s) {
    Gpt2::layer_specs(c, p, part, s);
  });
}

std::unique_ptr<CausalLM> gpt2_create(const ModelConfig& c, WeightSource& w) {
  check_activation(c.activation, "GPT-2 config");
  return std::make_unique<Gpt2>(c, gpt2_specs(c), w);
}

}  // namespace

extern const Architecture kGpt2Architecture;
const Architecture kGpt2Architecture{"gpt2", gpt2_specs, gpt2_create, {".attn.bias", ".attn.masked_bias"}};

}  // namespace ekt
