// Model hyper-parameters read from a Hugging Face config.json, normalised across architectures.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ekt {

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
  std::string checkpoint_dtype;  // torch_dtype in the config ("float32" if absent)
  nlohmann::json raw;            // the file as read, written back on save

  // Parses and validates; `path` names the file in error messages.
  static ModelConfig parse(const nlohmann::json& json, const std::string& path);
  static ModelConfig load(const std::string& path);
};

}  // namespace ekt
