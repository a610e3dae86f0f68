// Config parsing of the rotary-embedding architectures: Hugging Face defaults, rope_scaling
// variants, sliding-window layers, and clear errors for what is not supported.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "models/config.h"
#include "error.h"
#include "models/model.h"

namespace {

ekt::ModelConfig parse(const std::string& json) { return ekt::ModelConfig::parse(nlohmann::json::parse(json), "config.json"); }

// A Llama-family config of the given type with extra fields merged in.
ekt::ModelConfig family(const std::string& type, const std::string& extra = "{}") {
  nlohmann::json j = nlohmann::json::parse(R"({"vocab_size": 100, "max_position_embeddings": 64, "hidden_size": 32,
      "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 64})");
  j["model_type"] = type;
  j.update(nlohmann::json::parse(extra));
  return ekt::ModelConfig::parse(j, "config.json");
}

void expect_error(const std::string& type, const std::string& extra, const std::string& fragment) {
  try {
    family(type, extra);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const ekt::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << "message must name the file: " << e.what();
  }
}

TEST(RopeConfig, LlamaDefaults) {
  ekt::ModelConfig c = family("llama");
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.kv_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.rope.rotary_dim, 8);
  EXPECT_FALSE(c.rope.interleaved);
  EXPECT_EQ(c.rope.theta, 10000.0);
  EXPECT_EQ(c.rope.type, "default");
  EXPECT_FALSE(c.tie_word_embeddings);  // LlamaConfig's default
  EXPECT_TRUE(c.rms_norm);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-6);
  EXPECT_EQ(c.activation, "silu");
  EXPECT_FALSE(c.qkv_bias || c.out_bias || c.mlp_bias);
  EXPECT_EQ(c.window, std::vector<int64_t>(4, 0));
}

TEST(RopeConfig, HeadDimOverrideNeedNotDivideTheWidth) {
  ekt::ModelConfig c = family("mistral", R"({"hidden_size": 40, "head_dim": 12, "num_key_value_heads": 2})");
  EXPECT_EQ(c.head_dim, 12);
  EXPECT_EQ(c.rope.rotary_dim, 12);
  EXPECT_EQ(c.kv_heads, 2);
}

TEST(RopeConfig, BiasesPerFamily) {
  ekt::ModelConfig qwen = family("qwen2");
  EXPECT_TRUE(qwen.qkv_bias);
  EXPECT_FALSE(qwen.out_bias || qwen.mlp_bias);
  ekt::ModelConfig llama = family("llama", R"({"attention_bias": true, "mlp_bias": true})");
  EXPECT_TRUE(llama.qkv_bias && llama.out_bias && llama.mlp_bias);
  ekt::ModelConfig mistral = family("mistral", R"({"attention_bias": true})");
  EXPECT_FALSE(mistral.qkv_bias || mistral.out_bias);
}

TEST(RopeConfig, SlidingWindows) {
  EXPECT_EQ(family("mistral").window, std::vector<int64_t>(4, 4096));  // MistralConfig's default
  EXPECT_EQ(family("mistral", R"({"sliding_window": null})").window, std::vector<int64_t>(4, 0));
  EXPECT_EQ(family("mistral", R"({"sliding_window": 7})").window, std::vector<int64_t>(4, 7));
  EXPECT_EQ(family("qwen2", R"({"sliding_window": 7})").window, std::vector<int64_t>(4, 0));  // use_sliding_window false
  EXPECT_EQ(family("qwen2", R"({"use_sliding_window": true, "sliding_window": 7, "max_window_layers": 2})").window,
            (std::vector<int64_t>{0, 0, 7, 7}));
  EXPECT_EQ(family("qwen2", R"({"use_sliding_window": true, "sliding_window": 7, "max_window_layers": 2,
                                "layer_types": ["sliding_attention", "full_attention", "full_attention", "sliding_attention"]})").window,
            (std::vector<int64_t>{7, 0, 0, 7}));
}

TEST(RopeConfig, ScalingVariants) {
  ekt::ModelConfig linear = family("llama", R"({"rope_theta": 500000.0, "rope_scaling": {"type": "linear", "factor": 4.0}})");
  EXPECT_EQ(linear.rope.type, "linear");
  EXPECT_EQ(linear.rope.theta, 500000.0);
  EXPECT_EQ(linear.max_positions, 64);
  ekt::ModelConfig dynamic = family("llama", R"({"rope_scaling": {"type": "dynamic", "factor": 2.0}})");
  EXPECT_EQ(dynamic.rope.original_max_positions, 64);
  EXPECT_EQ(dynamic.max_positions, 128);  // dynamic NTK exists to run past the original context
  ekt::ModelConfig yarn = family("qwen2", R"({"rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32}})");
  EXPECT_EQ(yarn.rope.original_max_positions, 32);
  EXPECT_EQ(yarn.max_positions, 128);
  EXPECT_DOUBLE_EQ(yarn.rope.attention_factor, 0.1 * std::log(4.0) + 1.0);
  ekt::ModelConfig mscale = family("llama", R"({"rope_scaling": {"rope_type": "yarn", "factor": 4.0, "mscale": 2.0, "mscale_all_dim": 1.0}})");
  EXPECT_DOUBLE_EQ(mscale.rope.attention_factor, (0.2 * std::log(4.0) + 1.0) / (0.1 * std::log(4.0) + 1.0));
  ekt::ModelConfig llama3 = family("llama", R"({"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                "high_freq_factor": 4.0, "original_max_position_embeddings": 16}})");
  EXPECT_EQ(llama3.rope.original_max_positions, 16);
  EXPECT_EQ(llama3.max_positions, 64);
  ekt::ModelConfig v5 = family("llama", R"({"rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000.0}})");
  EXPECT_EQ(v5.rope.type, "linear");
  EXPECT_EQ(v5.rope.theta, 1000.0);
  EXPECT_EQ(family("llama", R"({"rope_scaling": {"rope_type": "default"}})").rope.type, "default");
}

TEST(RopeConfig, UnsupportedSettingsAreClearErrors) {
  expect_error("llama", R"({"rope_scaling": {"rope_type": "longrope", "factor": 2.0}})", "unsupported rope_scaling type 'longrope'");
  expect_error("llama", R"({"rope_scaling": {"rope_type": "linear"}})", "factor");
  expect_error("llama", R"({"rope_scaling": {"rope_type": "llama3", "factor": 8.0}})", "original_max_position_embeddings");
  expect_error("llama", R"({"partial_rotary_factor": 0.5})", "partial_rotary_factor");
  expect_error("llama", R"({"num_key_value_heads": 3})", "key/value heads");
  expect_error("qwen2", R"({"layer_types": ["full_attention"]})", "layer_types");
}

TEST(RopeConfig, GptjDefaults) {
  ekt::ModelConfig c = parse(R"({"model_type": "gptj", "vocab_size": 100, "n_positions": 2048, "n_embd": 64, "n_layer": 2,
                                 "n_head": 4, "rotary_dim": 8})");
  EXPECT_EQ(c.architecture, "GPTJForCausalLM");
  EXPECT_EQ(c.rope.rotary_dim, 8);
  EXPECT_TRUE(c.rope.interleaved);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_TRUE(c.lm_head_bias);
  EXPECT_EQ(c.inner, 256);
  EXPECT_EQ(c.activation, "gelu_new");
  EXPECT_THROW(parse(R"({"model_type": "gptj", "vocab_size": 100, "n_positions": 64, "n_embd": 64, "n_layer": 2,
                         "n_head": 4, "rotary_dim": 5})"),
               ekt::Error);
}

TEST(RopeConfig, EosTokenListsKeepEveryId) {
  ekt::ModelConfig c = family("llama", R"({"bos_token_id": 1, "eos_token_id": [7, 8, 9]})");
  EXPECT_EQ(c.eos_token_id, 7);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(family("llama", R"({"eos_token_id": 5})").eos_token_ids, std::vector<int64_t>{5});
}

// Published configs (abridged to the fields that matter): the parameter shapes they give must add
// up to the counts Hugging Face reports for these models.
int64_t spec_parameters(const std::string& json) {
  const ekt::ModelConfig c = parse(json);
  int64_t n = 0;
  for (const ekt::ParamSpec& s : ekt::architecture_for(c).specs(c)) {
    int64_t size = 1;
    for (int64_t d : s.shape) size *= d;
    n += size;
  }
  return n;
}

TEST(RopeConfig, PublishedConfigsGiveHuggingFaceParameterCounts) {
  EXPECT_EQ(spec_parameters(R"({"model_type": "gptj", "vocab_size": 50400, "n_positions": 2048, "n_embd": 4096, "n_layer": 28,
      "n_head": 16, "rotary_dim": 64, "n_inner": null, "activation_function": "gelu_new", "tie_word_embeddings": false})"),
            6050882784);  // EleutherAI/gpt-j-6b
  EXPECT_EQ(spec_parameters(R"({"model_type": "llama", "vocab_size": 128256, "max_position_embeddings": 131072, "hidden_size": 2048,
      "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "intermediate_size": 8192,
      "rope_theta": 500000.0, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
      "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "tie_word_embeddings": true,
      "eos_token_id": [128001, 128008, 128009]})"),
            1235814400);  // meta-llama/Llama-3.2-1B
  EXPECT_EQ(spec_parameters(R"({"model_type": "qwen2", "vocab_size": 151936, "max_position_embeddings": 32768, "hidden_size": 896,
      "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864,
      "rope_theta": 1000000.0, "sliding_window": 32768, "use_sliding_window": false, "max_window_layers": 21,
      "tie_word_embeddings": true})"),
            494032768);  // Qwen/Qwen2.5-0.5B
  EXPECT_EQ(spec_parameters(R"({"model_type": "mistral", "vocab_size": 32000, "max_position_embeddings": 32768, "hidden_size": 4096,
      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
      "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false})"),
            7241732096);  // mistralai/Mistral-7B-v0.1
}

}  // namespace
