#include "models/config.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "error.h"
#include "formats/fileutil.h"

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

// The name a field goes by in this file: the first of `names` present, else the first.
const char* field_name(const nlohmann::json& j, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (j.contains(n) && !j.at(n).is_null()) return n;
  return *names.begin();
}

// A width, count or length: an integer > 0, checked where it is read so that the message
// names the field (a negative size would otherwise surface later, as something else).
int64_t get_size(const nlohmann::json& j, std::initializer_list<const char*> names, const std::string& path,
                 int64_t fallback = -1) {
  const int64_t v = get_int(j, names, path, fallback);
  EKT_CHECK(v > 0, path << ": field '" << field_name(j, names) << "' must be a positive integer, got " << v);
  return v;
}

// A normalisation epsilon: a finite number > 0 (a negative one gives NaN logits, not an error).
double get_epsilon(const nlohmann::json& j, const char* name, double fallback, const std::string& path) {
  const double eps = get_double(j, name, fallback, path);
  EKT_CHECK(std::isfinite(eps) && eps > 0, path << ": field '" << name << "' must be a positive number, got " << eps);
  return eps;
}

template <class T>
T get_or(const nlohmann::json& j, const char* name, T fallback) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

void parse_gpt2(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  c.vocab_size = get_size(j, {"vocab_size"}, path);
  c.max_positions = get_size(j, {"n_positions", "n_ctx"}, path);
  c.hidden = get_size(j, {"n_embd"}, path);
  c.layers = get_size(j, {"n_layer"}, path);
  c.heads = get_size(j, {"n_head"}, path);
  c.inner = get_size(j, {"n_inner"}, path, 4 * c.hidden);
  c.norm_eps = get_epsilon(j, "layer_norm_epsilon", 1e-5, path);
  c.activation = get_or<std::string>(j, "activation_function", "gelu_new");
  c.scale_attention = get_or<bool>(j, "scale_attn_weights", true);
  c.scale_by_inverse_layer_idx = get_or<bool>(j, "scale_attn_by_inverse_layer_idx", false);
  c.window.assign(static_cast<size_t>(c.layers), 0);
}

void parse_gpt_neo(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  c.vocab_size = get_size(j, {"vocab_size"}, path);
  c.max_positions = get_size(j, {"max_position_embeddings"}, path);
  c.hidden = get_size(j, {"hidden_size"}, path);
  c.layers = get_size(j, {"num_layers"}, path);
  c.heads = get_size(j, {"num_heads"}, path);
  c.inner = get_size(j, {"intermediate_size"}, path, 4 * c.hidden);
  c.norm_eps = get_epsilon(j, "layer_norm_epsilon", 1e-5, path);
  c.activation = get_or<std::string>(j, "activation_function", "gelu_new");
  c.scale_attention = false;  // GPT-Neo does not scale attention logits
  const int64_t window = get_size(j, {"window_size"}, path, 256);
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

// rope_theta + rope_scaling (transformers v4) or rope_parameters (v5) into c.rope, following
// modeling_rope_utils.py. Dynamic NTK and YaRN exist to run past the pretraining context, so
// their context length becomes original * factor.
void parse_rope_scaling(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  RopeConfig& r = c.rope;
  const nlohmann::json* scaling = nullptr;
  auto params = j.find("rope_parameters");
  if (params != j.end() && params->is_object()) {
    scaling = &*params;
    r.theta = get_double(*params, "rope_theta", get_double(j, "rope_theta", 10000.0, path), path);
  } else {
    r.theta = get_double(j, "rope_theta", 10000.0, path);
    auto it = j.find("rope_scaling");
    if (it != j.end() && !it->is_null()) scaling = &*it;
  }
  EKT_CHECK(r.theta > 0, path << ": rope_theta must be positive");
  if (!scaling) return;
  const nlohmann::json& s = *scaling;
  EKT_CHECK(s.is_object(), path << ": rope_scaling must be an object, got " << s.dump());
  r.type = get_or<std::string>(s, "rope_type", get_or<std::string>(s, "type", "default"));
  if (r.type == "default") return;
  EKT_CHECK(r.type == "linear" || r.type == "dynamic" || r.type == "llama3" || r.type == "yarn",
            path << ": unsupported rope_scaling type '" << r.type << "' (supported: default, linear, dynamic, llama3, yarn)");
  const std::string where = path + ": rope_scaling";
  r.factor = get_double(s, "factor", 0.0, where);
  EKT_CHECK(r.factor >= 1.0, where << " needs a 'factor' >= 1 for type '" << r.type << "'");
  const int64_t original = get_int(s, {"original_max_position_embeddings"}, where, 0);
  if (r.type == "dynamic") {
    r.original_max_positions = c.max_positions;
  } else if (r.type == "llama3") {
    EKT_CHECK(original > 0, where << " of type llama3 needs 'original_max_position_embeddings'");
    r.original_max_positions = original;
    r.low_freq_factor = get_double(s, "low_freq_factor", 0.0, where);
    r.high_freq_factor = get_double(s, "high_freq_factor", 0.0, where);
    EKT_CHECK(r.high_freq_factor > r.low_freq_factor && r.low_freq_factor > 0,
              where << ": llama3 needs 0 < low_freq_factor < high_freq_factor");
  } else if (r.type == "yarn") {
    r.original_max_positions = original > 0 ? original : c.max_positions;
    // `x or default` in Hugging Face: 0 and null both mean the default.
    r.beta_fast = get_double(s, "beta_fast", 0.0, where);
    r.beta_slow = get_double(s, "beta_slow", 0.0, where);
    if (r.beta_fast == 0.0) r.beta_fast = 32.0;
    if (r.beta_slow == 0.0) r.beta_slow = 1.0;
    r.truncate = get_or<bool>(s, "truncate", true);
    const auto mscale = [](double scale, double m) { return scale <= 1.0 ? 1.0 : 0.1 * m * std::log(scale) + 1.0; };
    const double m = get_double(s, "mscale", 0.0, where), m_all = get_double(s, "mscale_all_dim", 0.0, where);
    r.attention_factor = get_double(s, "attention_factor", 0.0, where);
    if (r.attention_factor == 0.0)
      r.attention_factor = m != 0.0 && m_all != 0.0 ? mscale(r.factor, m) / mscale(r.factor, m_all) : mscale(r.factor, 1.0);
  }
  if (r.type == "dynamic" || r.type == "yarn")
    c.max_positions = std::max(c.max_positions, static_cast<int64_t>(std::floor(static_cast<double>(r.original_max_positions) * r.factor)));
}

// GPT-J (GPTJForCausalLM): rotary embeddings on the first rotary_dim dims of each head,
// interleaved pairs, theta 10000; untied, biased LM head.
void parse_gptj(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  c.vocab_size = get_size(j, {"vocab_size"}, path);
  c.max_positions = get_size(j, {"n_positions"}, path);
  c.hidden = get_size(j, {"n_embd"}, path);
  c.layers = get_size(j, {"n_layer"}, path);
  c.heads = get_size(j, {"n_head"}, path);
  c.inner = get_size(j, {"n_inner"}, path, 4 * c.hidden);
  c.norm_eps = get_epsilon(j, "layer_norm_epsilon", 1e-5, path);
  c.activation = get_or<std::string>(j, "activation_function", "gelu_new");
  c.tie_word_embeddings = false;  // GPTJConfig's default
  c.lm_head_bias = true;
  c.window.assign(static_cast<size_t>(c.layers), 0);
  EKT_CHECK(c.heads > 0 && c.hidden % c.heads == 0, path << ": n_embd " << c.hidden << " is not divisible by n_head " << c.heads);
  // A null rotary_dim makes Hugging Face rotate n_embd dims, which only works with one head;
  // rotating whole heads is what it means there.
  c.rope.rotary_dim = get_int(j, {"rotary_dim"}, path, c.hidden / c.heads);
  c.rope.interleaved = true;
  EKT_CHECK(c.rope.rotary_dim > 0 && c.rope.rotary_dim % 2 == 0 && c.rope.rotary_dim <= c.hidden / c.heads,
            path << ": rotary_dim " << c.rope.rotary_dim << " must be even and at most the head size " << c.hidden / c.heads);
}

// Llama, Qwen2, Mistral: RMSNorm, SwiGLU MLP, rotary embeddings on whole heads (halves paired),
// grouped-query attention; they differ in biases and sliding windows.
void parse_llama_family(const nlohmann::json& j, const std::string& path, ModelConfig& c) {
  c.vocab_size = get_size(j, {"vocab_size"}, path);
  c.max_positions = get_size(j, {"max_position_embeddings"}, path);
  c.hidden = get_size(j, {"hidden_size"}, path);
  c.layers = get_size(j, {"num_hidden_layers"}, path);
  c.heads = get_size(j, {"num_attention_heads"}, path);
  c.kv_heads = get_size(j, {"num_key_value_heads"}, path, c.heads);
  c.head_dim = j.contains("head_dim") && !j.at("head_dim").is_null() ? get_size(j, {"head_dim"}, path) : 0;
  c.inner = get_size(j, {"intermediate_size"}, path);
  c.norm_eps = get_epsilon(j, "rms_norm_eps", 1e-6, path);
  c.activation = get_or<std::string>(j, "hidden_act", "silu");
  c.rms_norm = true;
  c.tie_word_embeddings = false;  // the default of all three config classes
  EKT_CHECK(c.heads > 0 && c.layers > 0, path << ": sizes must be positive");
  if (c.head_dim == 0) {
    EKT_CHECK(c.hidden % c.heads == 0, path << ": hidden_size " << c.hidden << " is not divisible by " << c.heads << " heads");
    c.head_dim = c.hidden / c.heads;
  }
  EKT_CHECK(c.head_dim % 2 == 0, path << ": head_dim " << c.head_dim << " must be even for rotary embeddings");
  auto partial = j.find("partial_rotary_factor");
  EKT_CHECK(partial == j.end() || partial->is_null() || (partial->is_number() && partial->get<double>() == 1.0),
            path << ": partial_rotary_factor is not supported for " << c.model_type);
  c.rope.rotary_dim = c.head_dim;
  parse_rope_scaling(j, path, c);

  c.window.assign(static_cast<size_t>(c.layers), 0);
  if (c.model_type == "llama") {
    c.qkv_bias = c.out_bias = get_or<bool>(j, "attention_bias", false);
    c.mlp_bias = get_or<bool>(j, "mlp_bias", false);
  } else if (c.model_type == "mistral") {
    // MistralConfig defaults sliding_window to 4096 when the field is absent; null turns it off.
    const int64_t window = j.contains("sliding_window") ? get_int(j, {"sliding_window"}, path, 0) : 4096;
    c.window.assign(static_cast<size_t>(c.layers), window);
  } else {  // qwen2: biased q/k/v; sliding window on layers >= max_window_layers, or as layer_types says
    c.qkv_bias = true;
    const bool use = get_or<bool>(j, "use_sliding_window", false);
    const int64_t window = use ? (j.contains("sliding_window") ? get_int(j, {"sliding_window"}, path, 0) : 4096) : 0;
    auto types = j.find("layer_types");
    if (types != j.end() && types->is_array()) {
      EKT_CHECK(static_cast<int64_t>(types->size()) == c.layers, path << ": layer_types lists " << types->size() << " layers, num_hidden_layers is " << c.layers);
      for (size_t l = 0; l < types->size(); ++l) {
        const std::string t = (*types)[l].is_string() ? (*types)[l].get<std::string>() : "";
        EKT_CHECK(t == "full_attention" || t == "sliding_attention", path << ": unknown layer type " << (*types)[l].dump());
        if (t == "sliding_attention") {
          EKT_CHECK(window > 0, path << ": layer " << l << " is sliding_attention but use_sliding_window/sliding_window are not set");
          c.window[l] = window;
        }
      }
    } else if (window > 0) {
      const int64_t first = get_int(j, {"max_window_layers"}, path, 28);
      for (int64_t l = first; l < c.layers; ++l) c.window[static_cast<size_t>(l)] = window;
    }
  }
  for (int64_t w : c.window) EKT_CHECK(w >= 0, path << ": field 'sliding_window' must be positive (or null for none), got " << w);
}

// Hugging Face's class name when config.json does not list one.
const char* default_architecture(const std::string& model_type) {
  static const std::map<std::string, const char*> names = {
      {"gpt2", "GPT2LMHeadModel"}, {"gpt_neo", "GPTNeoForCausalLM"}, {"gptj", "GPTJForCausalLM"},
      {"llama", "LlamaForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"}, {"mistral", "MistralForCausalLM"}};
  return names.at(model_type);
}

// eos_token_id is an integer or (Llama 3) a list; the first is the one a sampler stops on.
std::vector<int64_t> token_ids(const nlohmann::json& j, const char* name, const std::string& path) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array()) return {get_int(j, {name}, path, 0)};
  std::vector<int64_t> ids;
  for (const auto& v : *it) {
    EKT_CHECK(v.is_number_integer(), path << ": field '" << name << "' must list integers, got " << it->dump());
    ids.push_back(v.get<int64_t>());
  }
  EKT_CHECK(!ids.empty(), path << ": field '" << name << "' is an empty list");
  return ids;
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
  } else if (c.model_type == "gptj") {
    parse_gptj(j, path, c);
  } else if (c.model_type == "llama" || c.model_type == "qwen2" || c.model_type == "mistral") {
    parse_llama_family(j, path, c);
  } else {
    EKT_FAIL(path << ": unknown model_type '" << c.model_type << "' (supported: gpt2, gpt_neo, gptj, llama, qwen2, mistral)");
  }
  auto arch = j.find("architectures");
  if (arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string())
    c.architecture = (*arch)[0].get<std::string>();
  else
    c.architecture = default_architecture(c.model_type);
  c.tie_word_embeddings = get_or<bool>(j, "tie_word_embeddings", c.tie_word_embeddings);
  c.bos_token_id = get_int(j, {"bos_token_id"}, path, 0);
  c.eos_token_ids = token_ids(j, "eos_token_id", path);
  c.eos_token_id = c.eos_token_ids.front();
  c.checkpoint_dtype = get_or<std::string>(j, "torch_dtype", "float32");
  if (c.kv_heads == 0) c.kv_heads = c.heads;

  EKT_CHECK(c.vocab_size > 0 && c.max_positions > 0 && c.hidden > 0 && c.layers > 0 && c.heads > 0 && c.inner > 0,
            path << ": sizes must be positive");
  if (c.head_dim == 0) {
    EKT_CHECK(c.hidden % c.heads == 0, path << ": hidden size " << c.hidden << " is not divisible by " << c.heads << " heads");
    c.head_dim = c.hidden / c.heads;
  }
  EKT_CHECK(c.kv_heads > 0 && c.heads % c.kv_heads == 0, path << ": " << c.heads << " heads not divisible by " << c.kv_heads << " key/value heads");
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
