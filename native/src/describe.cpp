#include "model_handle.h"

namespace ekt {

nlohmann::json describe(const LoadedModel& loaded, const torch::Device& device) {
  const ModelConfig& c = loaded.model->config();
  nlohmann::json attention = nlohmann::json::array();
  for (int64_t w : c.window) attention.push_back(w > 0 ? "local" : "global");
  return {{"architecture", c.architecture},
          {"model_type", c.model_type},
          {"parameters", parameter_count(*loaded.model)},
          {"dtype", "float32"},
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
          {"bos_token_id", c.bos_token_id},
          {"eos_token_id", c.eos_token_id},
          {"ignored_tensors", loaded.ignored_tensors},
          {"device", device.str()}};
}

}  // namespace ekt
