#include "config.h"

#include "error.h"
#include "fileutil.h"

namespace ekt {
namespace {

// Reads an integer field, accepting the first of several names (architectures disagree).
int64_t get_int(const nlohmann::json& j, std::initializer_list<const char*> names, const std::string& path,
                int64_t fallback = -1) {
  for (const char* n : names) {
    auto it = j.find(n);
    if (it != j.end() && !it->is_null()) {
      EKT_CHECK(it->is_number_integer(), path << ": field '" << n << "' must be an integer, got " << it->dump());
      return it->get<int64_t>();
    }
  }
  EKT_CHECK(fallback >= 0, path << ": missing required field '" << *names.begin() << "'");
  return fallback;
}

double get_double(const nlohmann::json& j, const char* name, double fallback, const std::string& path) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  EKT_CHECK(it->is_number(), path << ": field '" << name << "' must be a number");
  return it->get<double>();
}

template <class T>
T get_or(const nlohmann::json& j, const char* name, T fallback) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

void parse_gpt2(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  c.vocab_size = get_int(j, {"vocab_size"}, path);
  c.max_positions = get_int(j, {"n_positions", "n_ctx"}, path);
  c.hidden = get_int(j, {"n_embd"}, path);
  c.layers = get_int(j, {"n_layer"}, path);
  c.heads = get_int(j, {"n_head"}, path);
  c.inner = get_int(j, {"n_inner"}, path, 4 * c.hidden);
  c.norm_eps = get_double(j, "layer_norm_epsilon", 1e-5, path);
  c.activation = get_or<std::string>(j, "activation_function", "gelu_new");
  c.scale_attention = get_or<bool>(j, "scale_attn_weights", true);
  c.scale_by_inverse_layer_idx = get_or<bool>(j, "scale_attn_by_inverse_layer_idx", false);
  c.window.assign(static_cast<size_t>(c.layers), 0);
}

void parse_gpt_neo(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  c.vocab_size = get_int(j, {"vocab_size"}, path);
  c.max_positions = get_int(j, {"max_position_embeddings"}, path);
  c.hidden = get_int(j, {"hidden_size"}, path);
  c.layers = get_int(j, {"num_layers"}, path);
  c.heads = get_int(j, {"num_heads"}, path);
  c.inner = get_int(j, {"intermediate_size"}, path, 4 * c.hidden);
  c.norm_eps = get_double(j, "layer_norm_epsilon", 1e-5, path);
  c.activation = get_or<std::string>(j, "activation_function", "gelu_new");
  c.scale_attention = false;  // GPT-Neo does not scale attention logits
  const int64_t window = get_int(j, {"window_size"}, path, 256);
  // attention_types: [[["global", "local"], 12]] expands to 24 layers alternating.
  auto it = j.find("attention_types");
  EKT_CHECK(it != j.end() && it->is_array(), path << ": GPT-Neo config needs 'attention_types'");
  for (const auto& group : *it) {
    EKT_CHECK(group.is_array() && group.size() == 2 && group[0].is_array() && group[1].is_number_integer(),
              path << ": malformed attention_types entry " << group.dump());
    for (int64_t r = 0; r < group[1].get<int64_t>(); ++r)
      for (const auto& kind : group[0]) {
        const std::string k = kind.is_string() ? kind.get<std::string>() : "";
        EKT_CHECK(k == "global" || k == "local", path << ": unknown attention type " << kind.dump());
        c.window.push_back(k == "local" ? window : 0);
      }
  }
  EKT_CHECK(static_cast<int64_t>(c.window.size()) == c.layers,
            path << ": attention_types describe " << c.window.size() << " layers but num_layers is " << c.layers);
}

}  // namespace

ModelConfig ModelConfig::parse(const nlohmann::json& j, const std::string& path) {
  EKT_CHECK(j.is_object(), path << ": config must be a JSON object");
  ModelConfig c;
  c.raw = j;
  c.model_type = get_or<std::string>(j, "model_type", "");
  if (c.model_type == "gpt2") {
    parse_gpt2(j, path, c);
  } else if (c.model_type == "gpt_neo") {
    parse_gpt_neo(j, path, c);
  } else {
    EKT_FAIL(path << ": unknown model_type '" << c.model_type << "' (supported: gpt2, gpt_neo)");
  }
  auto arch = j.find("architectures");
  if (arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string())
    c.architecture = (*arch)[0].get<std::string>();
  else
    c.architecture = c.model_type == "gpt2" ? "GPT2LMHeadModel" : "GPTNeoForCausalLM";
  c.tie_word_embeddings = get_or<bool>(j, "tie_word_embeddings", true);
  c.bos_token_id = get_int(j, {"bos_token_id"}, path, 0);
  c.eos_token_id = get_int(j, {"eos_token_id"}, path, 0);
  c.checkpoint_dtype = get_or<std::string>(j, "torch_dtype", "float32");
  if (c.kv_heads == 0) c.kv_heads = c.heads;

  EKT_CHECK(c.vocab_size > 0 && c.max_positions > 0 && c.hidden > 0 && c.layers > 0 && c.heads > 0 && c.inner > 0,
            path << ": sizes must be positive");
  EKT_CHECK(c.hidden % c.heads == 0, path << ": hidden size " << c.hidden << " is not divisible by " << c.heads << " heads");
  if (c.head_dim == 0) c.head_dim = c.hidden / c.heads;
  EKT_CHECK(c.heads % c.kv_heads == 0, path << ": " << c.heads << " heads not divisible by " << c.kv_heads << " key/value heads");
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  EKT_CHECK(file_exists(path), "missing file: " << path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    EKT_FAIL(path << ": invalid JSON (" << e.what() << ")");
  }
  return parse(j, path);
}

}  // namespace ekt
