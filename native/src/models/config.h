// Model hyper-parameters read from a Hugging Face config.json, normalised across architectures.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ekt {

// Rotary position embeddings (GPT-J, Llama family), as Hugging Face computes them. Only the
// fields of the scaling `type` in use matter; the rest keep their defaults.
struct RopeConfig {
  int64_t rotary_dim = 0;     // leading dims of each head that rotate; 0 = no rotary embeddings
  bool interleaved = false;   // GPT-J pairs dims (2i, 2i+1); Llama pairs (i, i + rotary_dim/2)
  double theta = 10000.0;     // rope_theta
  std::string type = "default";  // rope_scaling type: default, linear, dynamic, llama3, yarn
  double factor = 1.0;
  int64_t original_max_positions = 0;  // dynamic: max_position_embeddings; llama3/yarn: pretraining context
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  double beta_fast = 32.0, beta_slow = 1.0;               // yarn
  bool truncate = true;                                   // yarn: round the correction range
  double attention_factor = 1.0;  // yarn: multiplies cos and sin (resolved from mscale etc.)
};

struct ModelConfig {
  std::string model_type;    // "gpt2", "gpt_neo", ...
  std::string architecture;  // e.g. "GPT2LMHeadModel"
  int64_t vocab_size = 0;
  int64_t max_positions = 0;  // context length
  int64_t hidden = 0;         // d_model
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;       // == heads unless grouped-query attention
  int64_t head_dim = 0;
  int64_t inner = 0;          // MLP width
  double norm_eps = 1e-5;
  std::string activation;     // "gelu_new", "gelu", "relu", "silu", ...
  bool tie_word_embeddings = true;
  // Per layer: 0 = global causal attention, w > 0 = local attention over the last w positions.
  std::vector<int64_t> window;
  // Attention logits are multiplied by this (GPT-2: 1/sqrt(head_dim); GPT-Neo: 1).
  bool scale_attention = true;
  bool scale_by_inverse_layer_idx = false;  // GPT-2 option
  int64_t bos_token_id = -1, eos_token_id = -1;
  std::vector<int64_t> eos_token_ids;  // all of them when the config lists several (Llama 3)
  RopeConfig rope;           // rope.rotary_dim == 0: learned absolute positions (GPT-2, GPT-Neo)
  bool rms_norm = false;     // Llama family: RMSNorm without bias instead of LayerNorm
  bool qkv_bias = false;     // q/k/v projections have biases (Qwen2; Llama attention_bias)
  bool out_bias = false;     // attention output projection has a bias (Llama attention_bias)
  bool mlp_bias = false;     // gate/up/down projections have biases (Llama mlp_bias)
  bool lm_head_bias = false; // GPT-J
  std::string checkpoint_dtype;  // torch_dtype in the config ("float32" if absent)
  nlohmann::json raw;            // the file as read, written back on save

  // Parses and validates; `path` names the file in error messages.
  static ModelConfig parse(const nlohmann::json& json, const std::string& path);
  static ModelConfig load(const std::string& path);
};

}  // namespace ekt
