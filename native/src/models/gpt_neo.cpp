// GPT-Neo (Hugging Face GPTNeoForCausalLM). Linear weights are stored [out, in]; q/k/v have no
// bias; attention logits are NOT scaled by 1/sqrt(d) and are computed in float32; layers
// alternate global and local attention (local = the last window_size positions).
#include "models/gpt_decoder.h"
#include "models/layers.h"

namespace ekt {
namespace {

class GptNeo final : public GptDecoder {
 public:
  GptNeo(const ModelConfig& config, const std::vector<ParamSpec>& specs, WeightSource& weights)
      : GptDecoder(config, specs, weights) {
    for (int64_t l = 0; l < config.layers; ++l) {
      const std::string p = layer_prefix(static_cast<size_t>(l)), a = p + "attn.attention.";
      layers_.push_back({param(a + "q_proj.weight"), param(a + "k_proj.weight"), param(a + "v_proj.weight"),
                         param(a + "out_proj.weight"), param(a + "out_proj.bias"), param(p + "mlp.c_fc.weight"),
                         param(p + "mlp.c_fc.bias"), param(p + "mlp.c_proj.weight"), param(p + "mlp.c_proj.bias")});
    }
  }

  static void layer_specs(const ModelConfig& c, const std::string& p, const std::string& part, std::vector<ParamSpec>& s) {
    const int64_t C = c.hidden, F = c.inner;
    const std::string a = p + "attn.attention.";
    if (part == "attn") {
      s.insert(s.end(), {{a + "k_proj.weight", {C, C}}, {a + "v_proj.weight", {C, C}}, {a + "q_proj.weight", {C, C}},
                         {a + "out_proj.weight", {C, C}}, {a + "out_proj.bias", {C}}});
    } else {
      s.insert(s.end(), {{p + "mlp.c_fc.weight", {F, C}}, {p + "mlp.c_fc.bias", {F}},
                         {p + "mlp.c_proj.weight", {C, F}}, {p + "mlp.c_proj.bias", {C}}});
    }
  }

 protected:
  torch::Tensor attention_block(size_t l, const torch::Tensor& x, const AttentionContext& ctx) override {
    const Layer& w = layers_[l];
    const int64_t H = config().heads;
    auto project = [&](const torch::Tensor& weight) { return split_heads(dense(x, weight, {}, WeightLayout::out_in), H); };
    torch::Tensor y = ctx.attend(l, project(w.q), project(w.k), project(w.v), config().window[l], 0.0);  // (B, H, T, D)
    return dense(merge_heads(y), w.out_w, w.out_b, WeightLayout::out_in);  // (B, T, C)
  }

  torch::Tensor mlp_block(size_t l, const torch::Tensor& x) override {
    const Layer& w = layers_[l];
    torch::Tensor h = activation(dense(x, w.fc_w, w.fc_b, WeightLayout::out_in), config().activation);  // (B, T, F)
    return dense(h, w.proj_w, w.proj_b, WeightLayout::out_in);
  }

 private:
  struct Layer {
    torch::Tensor q, k, v, out_w, out_b, fc_w, fc_b, proj_w, proj_b;
  };
  std::vector<Layer> layers_;
};

std::vector<ParamSpec> gpt_neo_specs(const ModelConfig& c) {
  return GptDecoder::specs(c, [&c](const std::string& p, const std::string& part, std::vector<ParamSpec>& s) {
    GptNeo::layer_specs(c, p, part, s);
  });
}

std::unique_ptr<CausalLM> gpt_neo_create(const ModelConfig& c, WeightSource& w) {
  check_activation(c.activation, "GPT-Neo config");
  return std::make_unique<GptNeo>(c, gpt_neo_specs(c), w);
}

}  // namespace

extern const Architecture kGptNeoArchitecture;
const Architecture kGptNeoArchitecture{"gpt_neo", gpt_neo_specs, gpt_neo_create,
                                       {".attn.attention.bias", ".attn.attention.masked_bias"}};

}  // namespace ekt
