#include "device/placement.h"
#include "api/model_handle.h"

namespace ekt {
namespace {

// How positions enter the model: learned absolute embeddings, or rotary settings.
nlohmann::json positions(const ModelConfig& c) {
  const RopeConfig& r = c.rope;
  if (r.rotary_dim == 0) return {{"kind", "learned"}};
  nlohmann::json j = {{"kind", "rotary"}, {"rotary_dim", r.rotary_dim}, {"pairing", r.interleaved ? "interleaved" : "half"},
                      {"theta", r.theta}, {"scaling", r.type}};
  if (r.type != "default") j["factor"] = r.factor;
  if (r.original_max_positions > 0) j["original_max_positions"] = r.original_max_positions;
  if (r.type == "llama3") {
    j["low_freq_factor"] = r.low_freq_factor;
    j["high_freq_factor"] = r.high_freq_factor;
  }
  if (r.type == "yarn") {
    j["beta_fast"] = r.beta_fast;
    j["beta_slow"] = r.beta_slow;
    j["attention_factor"] = r.attention_factor;
  }
  return j;
}

}  // namespace

nlohmann::json describe(const LoadedModel& loaded, const torch::Device& device) {
  const ModelConfig& c = loaded.model->config();
  nlohmann::json attention = nlohmann::json::array();
  for (int64_t w : c.window) attention.push_back(w > 0 ? "local" : "global");
  return {{"architecture", c.architecture},
          {"model_type", c.model_type},
          {"parameters", parameter_count(*loaded.model)},
          {"dtype", dtype_label(loaded.model->dtype())},
          {"checkpoint_dtype", loaded.checkpoint_dtype},
          {"context_length", c.max_positions},
          {"vocab_size", c.vocab_size},
          {"layers", c.layers},
          {"hidden_size", c.hidden},
          {"heads", c.heads},
          {"kv_heads", c.kv_heads},
          {"head_dim", c.head_dim},
          {"intermediate_size", c.inner},
          {"activation", c.activation},
          {"tied_embeddings", c.tie_word_embeddings},
          {"attention_layers", attention},
          {"attention_windows", c.window},
          {"positions", positions(c)},
          {"norm", c.rms_norm ? "rms_norm" : "layer_norm"},
          {"norm_eps", c.norm_eps},
          {"biases", {{"qkv", c.qkv_bias}, {"out", c.out_bias}, {"mlp", c.mlp_bias}, {"lm_head", c.lm_head_bias}}},
          {"bos_token_id", c.bos_token_id},
          {"eos_token_id", c.eos_token_id},
          {"eos_token_ids", c.eos_token_ids},
          {"ignored_tensors", loaded.ignored_tensors},
          {"device", device.str()}};
}

}  // namespace ekt
