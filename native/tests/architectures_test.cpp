// Every architecture through the generic CausalLM interface, on random small models: incremental
// decoding with a KvCache (prefill, then one token at a time; left-padded batches) against a full
// uncached forward, greedy decoding with and without the cache, and plain SGD through autograd.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "models/model.h"
#include "test_device.h"

namespace {

struct Case {
  const char* name;
  const char* config;  // config.json
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }  // names the case in test listings

// Small shapes covering each architecture's options: GQA, head_dim override, biases, tied and
// untied heads, partial rotary (GPT-J), every rope scaling type, sliding windows shorter than the
// sequences below.
const Case kCases[] = {
    {"gpt2", R"({"model_type": "gpt2", "vocab_size": 61, "n_positions": 48, "n_embd": 32, "n_layer": 2, "n_head": 4})"},
    {"gpt_neo", R"({"model_type": "gpt_neo", "vocab_size": 61, "max_position_embeddings": 48, "hidden_size": 32,
                    "num_layers": 2, "num_heads": 4, "window_size": 3, "attention_types": [[["global", "local"], 1]]})"},
    {"gptj", R"({"model_type": "gptj", "vocab_size": 61, "n_positions": 48, "n_embd": 32, "n_layer": 2, "n_head": 4,
                 "rotary_dim": 4})"},
    {"llama_gqa_linear", R"({"model_type": "llama", "vocab_size": 61, "max_position_embeddings": 48, "hidden_size": 32,
                             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                             "intermediate_size": 48, "rope_scaling": {"type": "linear", "factor": 2.0}})"},
    {"llama_tied_bias_llama3", R"({"model_type": "llama", "vocab_size": 61, "max_position_embeddings": 48, "hidden_size": 32,
                                   "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1,
                                   "intermediate_size": 48, "tie_word_embeddings": true, "attention_bias": true,
                                   "mlp_bias": true, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}})"},
    {"llama_dynamic", R"({"model_type": "llama", "vocab_size": 61, "max_position_embeddings": 32, "hidden_size": 32,
                          "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 48,
                          "rope_scaling": {"type": "dynamic", "factor": 2.0}})"},
    {"qwen2_sliding", R"({"model_type": "qwen2", "vocab_size": 61, "max_position_embeddings": 48, "hidden_size": 32,
                          "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2,
                          "intermediate_size": 48, "use_sliding_window": true, "sliding_window": 4, "max_window_layers": 1})"},
    {"mistral_yarn", R"({"model_type": "mistral", "vocab_size": 61, "max_position_embeddings": 48, "hidden_size": 32,
                         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 12,
                         "intermediate_size": 48, "sliding_window": 5, "rope_theta": 1000000.0,
                         "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16}})"},
};

// Random weights: norm scales near 1, everything else small normal noise.
std::unique_ptr<ekt::CausalLM> random_model(const Case& c, uint64_t seed) {
  const ekt::ModelConfig config = ekt::ModelConfig::parse(nlohmann::json::parse(c.config), c.name);
  const ekt::Architecture& arch = ekt::architecture_for(config);
  torch::manual_seed(seed);
  ekt::WeightSource weights;
  for (const ekt::ParamSpec& spec : arch.specs(config)) {
    const bool scale = spec.shape.size() == 1 && spec.name.size() > 7 && spec.name.compare(spec.name.size() - 7, 7, ".weight") == 0;
    weights[spec.name] = (scale ? 1 + 0.1 * torch::randn(spec.shape) : 0.3 * torch::randn(spec.shape)).to(test_device());
  }
  return arch.create(config, weights);
}

torch::Tensor random_ids(int64_t rows, int64_t length, int64_t vocab, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(vocab, {rows, length}, torch::kInt64).to(test_device());
}

torch::Tensor all_valid(const torch::Tensor& ids) { return torch::ones(ids.sizes(), ids.options().dtype(torch::kBool)); }

// max |a - b| relative to max |b|: the logits differ only by float32 summation order.
double relative_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

constexpr double kTolerance = 1e-5;

class Architectures : public testing::TestWithParam<Case> {};

TEST_P(Architectures, CachedDecodingMatchesTheFullForward) {
  c10::InferenceMode inference;
  auto model = random_model(GetParam(), 1);
  const ekt::ModelConfig& c = model->config();
  const int64_t length = 14, prefill = 5;
  torch::Tensor ids = random_ids(1, length, c.vocab_size, 2);
  torch::Tensor full = model->forward(ids, all_valid(ids), nullptr, false);  // (1, T, V)

  ekt::KvCache cache(c, 1, length, torch::TensorOptions().device(test_device()));
  EXPECT_EQ(cache.k[0].size(1), c.kv_heads);  // GQA-sized
  torch::Tensor first = ids.narrow(1, 0, prefill);
  torch::Tensor pre = model->forward(first, all_valid(first), &cache, false);  // (1, P, V)
  EXPECT_LE(relative_diff(pre, full.narrow(1, 0, prefill)), kTolerance);
  for (int64_t t = prefill; t < length; ++t) {
    torch::Tensor step = ids.narrow(1, t, 1);
    torch::Tensor last = model->forward(step, all_valid(step), &cache, true);  // (1, V)
    EXPECT_LE(relative_diff(last, full.select(1, t)), kTolerance) << GetParam().name << " position " << t;
  }
  EXPECT_EQ(cache.length, length);
}

TEST_P(Architectures, GreedyDecodingIsTheSameWithAndWithoutTheCache) {
  c10::InferenceMode inference;
  auto model = random_model(GetParam(), 3);
  const int64_t prompt = 4, steps = 16;
  torch::Tensor uncached = random_ids(1, prompt, model->config().vocab_size, 4);
  torch::Tensor cached = uncached.clone();
  for (int64_t s = 0; s < steps; ++s) {
    torch::Tensor next = model->forward(uncached, all_valid(uncached), nullptr, true).argmax(-1, true);  // (1, 1)
    uncached = torch::cat({uncached, next}, 1);
  }
  ekt::KvCache cache(model->config(), 1, prompt + steps, torch::TensorOptions().device(test_device()));
  torch::Tensor input = cached;
  for (int64_t s = 0; s < steps; ++s) {
    torch::Tensor next = model->forward(input, all_valid(input), &cache, true).argmax(-1, true);
    cached = torch::cat({cached, next}, 1);
    input = next;
  }
  EXPECT_TRUE(torch::equal(cached, uncached)) << GetParam().name << "\ncached:   " << cached << "\nuncached: " << uncached;
}

TEST_P(Architectures, LeftPaddedRowsDecodeLikeUnpaddedOnes) {
  c10::InferenceMode inference;
  auto model = random_model(GetParam(), 5);
  const int64_t vocab = model->config().vocab_size, width = 7, steps = 6;
  const int64_t lengths[2] = {7, 3};
  torch::Tensor ids = random_ids(2, width, vocab, 6);
  torch::Tensor valid = all_valid(ids);
  valid[1].narrow(0, 0, width - lengths[1]).fill_(false);  // row 1: left padding
  ekt::KvCache cache(model->config(), 2, width + steps, torch::TensorOptions().device(test_device()));
  torch::Tensor last = model->forward(ids, valid, &cache, true);  // (2, V)
  std::vector<torch::Tensor> rows = {ids[0], ids[1].narrow(0, width - lengths[1], lengths[1])};
  for (int64_t s = 0; s <= steps; ++s) {
    for (int64_t r = 0; r < 2; ++r) {
      torch::Tensor alone = model->forward(rows[r].unsqueeze(0), all_valid(rows[r].unsqueeze(0)), nullptr, true);  // (1, V)
      EXPECT_LE(relative_diff(last[r], alone[0]), kTolerance) << GetParam().name << " row " << r << " step " << s;
    }
    if (s == steps) break;
    torch::Tensor next = last.argmax(-1, true);  // (2, 1)
    for (int64_t r = 0; r < 2; ++r) rows[r] = torch::cat({rows[r], next[r]});
    last = model->forward(next, all_valid(next), &cache, true);
  }
}

TEST_P(Architectures, SgdStepsGiveEveryParameterAGradientAndLowerTheLoss) {
  auto model = random_model(GetParam(), 7);
  for (const ekt::Param& p : model->params()) p.tensor.requires_grad_(true);
  const int64_t vocab = model->config().vocab_size;
  torch::Tensor ids = random_ids(2, 12, vocab, 8);
  const auto loss_of = [&] {
    torch::Tensor logits = model->forward(ids, all_valid(ids), nullptr, false);  // (B, T, V)
    return torch::cross_entropy_loss(logits.narrow(1, 0, 11).reshape({-1, vocab}), ids.narrow(1, 1, 11).reshape({-1}));
  };
  const double initial = loss_of().item<double>();
  for (int step = 0; step < 5; ++step) {
    torch::Tensor loss = loss_of();
    loss.backward();
    torch::NoGradGuard no_grad;
    for (const ekt::Param& p : model->params()) {
      const torch::Tensor& g = p.tensor.grad();
      ASSERT_TRUE(g.defined()) << GetParam().name << ": no gradient for " << p.name;
      ASSERT_TRUE(torch::isfinite(g).all().item<bool>()) << GetParam().name << ": non-finite gradient for " << p.name;
      ASSERT_GT(g.abs().max().item<double>(), 0.0) << GetParam().name << ": zero gradient for " << p.name;
      p.tensor.sub_(0.05 * g);
      g.zero_();
    }
  }
  const double final_loss = loss_of().item<double>();
  EXPECT_LT(final_loss, initial - 0.05) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, Architectures, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

}  // namespace
