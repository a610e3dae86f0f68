// The sampling engine's parts: Philox against published answers, the filters against hand
// computation, stop rules, and the generator against the model's own uncached forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "error.h"
#include "sampling/generate.h"
#include "sampling/sampler.h"
#include "sampling/stop_rules.h"
#include "test_device.h"

namespace {

using ekt::Finish;

// Known-answer vectors of Philox4x64-10: the first is Random123's kat_vectors entry; all four
// were produced with numpy.random.Philox (an independent implementation).
TEST(Philox, MatchesKnownAnswers) {
  using Block = std::array<uint64_t, 4>;
  EXPECT_EQ(ekt::philox4x64({0, 0, 0, 0}, {0, 0}),
            (Block{0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL}));
  const uint64_t ones = ~0ULL;
  EXPECT_EQ(ekt::philox4x64({ones, ones, ones, ones}, {ones, ones}),
            (Block{0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL, 0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL}));
  EXPECT_EQ(ekt::philox4x64({0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL},
                            {0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL}),
            (Block{0xa528f45403e61d95ULL, 0x38c72dbd566e9788ULL, 0xa5a1610e72fd18b5ULL, 0x57bd43b5e52b7fe6ULL}));
  EXPECT_EQ(ekt::philox4x64({5, 7, 0, 0}, {42, 0x9e3779b97f4a7c15ULL}),
            (Block{0xff6b3f9c678b1a98ULL, 0x3c1d82b32e171354ULL, 0x6dead83e2ca9a24fULL, 0x3942b7a4ba7ef210ULL}));
  // The uniform is the top 53 bits of the first word of block (step, sample, 0, 0) under (seed, key).
  EXPECT_DOUBLE_EQ(ekt::sample_uniform(42, 0x9e3779b97f4a7c15ULL, 7, 5),
                   static_cast<double>(0xff6b3f9c678b1a98ULL >> 11) / 9007199254740992.0);
}

int64_t draw_one(std::vector<float> logits, double u, ekt::SamplingParams p) {
  torch::Tensor l = torch::tensor(logits).unsqueeze(0);
  return ekt::draw_tokens(l, torch::tensor({u}, torch::kFloat64), p).tokens[0].item<int64_t>();
}

// Probabilities chosen so every boundary is exact in hand computation: logits = log(p).
TEST(Sampler, InverseCdfOverFilteredCandidates) {
  const std::vector<float> logits = {std::log(0.2f), std::log(0.5f), std::log(0.1f), std::log(0.2f)};
  ekt::SamplingParams all;
  // Vocabulary order, cumulative 0.2 0.7 0.8 1.0.
  EXPECT_EQ(draw_one(logits, 0.1, all), 0);
  EXPECT_EQ(draw_one(logits, 0.65, all), 1);
  EXPECT_EQ(draw_one(logits, 0.75, all), 2);
  EXPECT_EQ(draw_one(logits, 0.999, all), 3);
  // top_k = 2: candidates {1: 0.5, 0 or 3: 0.2} -> 5/7, 2/7.
  ekt::SamplingParams top2{1.0, 2, 1.0};
  EXPECT_EQ(draw_one(logits, 0.70, top2), 1);
  EXPECT_NE(draw_one(logits, 0.72, top2), 1);
  EXPECT_NE(draw_one(logits, 0.72, top2), 2);
  // top_p = 0.6: mass before token 1 is 0, before the next (0.2) is 0.5 < 0.6: kept; then 0.7 >= 0.6.
  ekt::SamplingParams nucleus{1.0, 0, 0.6};
  EXPECT_EQ(draw_one(logits, 0.71, nucleus), 1);  // 0.5 / 0.7 = 0.714...
  EXPECT_NE(draw_one(logits, 0.72, nucleus), 2);
  // Temperature 0.5 squares and renormalises: 0.04 0.25 0.01 0.04 over 0.34.
  ekt::SamplingParams cold{0.5, 0, 1.0};
  EXPECT_EQ(draw_one(logits, 0.04 / 0.34 - 1e-6, cold), 0);
  EXPECT_EQ(draw_one(logits, 0.04 / 0.34 + 1e-6, cold), 1);
  EXPECT_EQ(draw_one(logits, 0.30 / 0.34 - 1e-6, cold), 2);
  EXPECT_EQ(draw_one(logits, 0.30 / 0.34 + 1e-6, cold), 3);
  // Greedy: argmax, lowest id on ties.
  EXPECT_EQ(draw_one(logits, 0.9, {0.0, 0, 1.0}), 1);
  EXPECT_EQ(draw_one({1.f, 3.f, 3.f}, 0.9, {0.0, 0, 1.0}), 1);
  // The log-probability is of the raw distribution whatever the filters.
  torch::Tensor l = torch::tensor(logits).unsqueeze(0);
  ekt::Draw d = ekt::draw_tokens(l, torch::tensor({0.1}, torch::kFloat64), top2);
  EXPECT_NEAR(d.logprobs[0].item<float>(), std::log(0.5f), 1e-6);
}

std::vector<std::string> letters_vocab() {
  // Token t is the t-th letter; 26 = "\n", 27 = "answer", 28 = "an", 29 = "swer\n\n".
  std::vector<std::string> v;
  for (char c = 'a'; c <= 'z'; ++c) v.emplace_back(1, c);
  v.insert(v.end(), {"\n", "answer", "an", "swer\n\n"});
  return v;
}

struct Pushed {
  size_t tokens;  // consumed when the matcher fired (0: never)
  Finish finish;
  int64_t text_bytes;
};

Pushed push_all(const ekt::StopRules& rules, const std::vector<int64_t>& tokens) {
  ekt::StopMatcher m(rules);
  std::vector<int64_t> so_far;
  for (int64_t t : tokens) {
    so_far.push_back(t);
    if (m.push(so_far)) return {so_far.size(), m.finish(), m.text_bytes()};
  }
  return {0, m.finish(), m.text_bytes()};
}

TEST(StopRules, TextRulesCutRightAfterTheMatchAcrossTokenBoundaries) {
  ekt::StopRules rules;
  rules.vocab = std::make_shared<std::vector<std::string>>(letters_vocab());
  rules.texts = {{"\nanswer", "\n"}};
  // "x\n" "an" "swer\n\n": start spans three tokens, end inside the last one; text keeps "x\nanswer\n".
  Pushed p = push_all(rules, {23, 26, 28, 29, 0});
  EXPECT_EQ(p.tokens, 4u);
  EXPECT_EQ(p.finish, Finish::stop);
  EXPECT_EQ(p.text_bytes, 9);
  // An "answer" not at a line start does not count; the later one does.
  p = push_all(rules, {27, 0, 26, 27, 1, 26, 2});
  EXPECT_EQ(p.tokens, 6u);
  EXPECT_EQ(p.text_bytes, 16);  // "answera\nanswerb\n"
  // Plain stop string: stop right after it.
  rules.texts = {{"ab", ""}};
  p = push_all(rules, {2, 0, 1, 2});
  EXPECT_EQ(p.tokens, 3u);
  EXPECT_EQ(p.text_bytes, 3);
  // No match: runs on, text is everything.
  p = push_all(rules, {1, 1, 0});
  EXPECT_EQ(p.tokens, 0u);
  EXPECT_EQ(p.finish, Finish::length);
  EXPECT_EQ(p.text_bytes, 3);
}

TEST(StopRules, TokenSequencesAndEos) {
  ekt::StopRules rules;
  rules.eos = 5;
  rules.token_sequences = {{1, 2, 3}, {7}};
  EXPECT_EQ(push_all(rules, {1, 2, 1, 2, 3, 4}).tokens, 5u);
  EXPECT_EQ(push_all(rules, {0, 7}).tokens, 2u);
  Pushed eos = push_all(rules, {0, 1, 5, 7});
  EXPECT_EQ(eos.tokens, 3u);
  EXPECT_EQ(eos.finish, Finish::eos);
  EXPECT_EQ(eos.text_bytes, -1);  // no vocabulary table
  rules.vocab = std::make_shared<std::vector<std::string>>(letters_vocab());
  EXPECT_EQ(push_all(rules, {0, 1, 5, 7}).text_bytes, 2);  // the EOS token adds no text
}

// ------------------------------------------------------------------ generator

std::unique_ptr<ekt::CausalLM> random_model(const std::string& type, uint64_t seed) {
  nlohmann::json j;
  if (type == "gpt2") {
    j = {{"model_type", "gpt2"}, {"vocab_size", 61}, {"n_positions", 96}, {"n_embd", 32}, {"n_layer", 2}, {"n_head", 4}};
  } else {
    j = {{"model_type", "gpt_neo"}, {"vocab_size", 61}, {"max_position_embeddings", 96}, {"hidden_size", 32},
         {"num_layers", 3}, {"num_heads", 4}, {"window_size", 5},
         {"attention_types", nlohmann::json::parse(R"([[["global", "local"], 1], [["local"], 1]])")}};
  }
  j["eos_token_id"] = 60;
  ekt::ModelConfig config = ekt::ModelConfig::parse(j, "test config");
  const ekt::Architecture& arch = ekt::architecture_for(config);
  torch::manual_seed(seed);
  ekt::WeightSource weights;
  for (const ekt::ParamSpec& spec : arch.specs(config))
    weights[spec.name] = (spec.shape.size() == 1 ? 1.0 + 0.3 * torch::randn(spec.shape) : 0.3 * torch::randn(spec.shape)).to(test_device());
  return arch.create(config, weights);
}

std::vector<std::vector<int64_t>> test_prompts() { return {{3, 1, 4, 1, 5, 9, 2, 6}, {7}, {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9}}; }

// (prompt, sample) -> sample, for comparing runs.
std::map<std::pair<int64_t, int64_t>, ekt::FinishedSample> generate(ekt::CausalLM& model, ekt::GenerationOptions o) {
  c10::InferenceMode inference;
  ekt::Generator g(model, o);
  uint64_t key = 11;
  for (const auto& p : test_prompts()) g.add_prompt(key++, p);
  while (g.run(3)) {
  }
  std::map<std::pair<int64_t, int64_t>, ekt::FinishedSample> out;
  for (auto& f : g.finished()) out[{f.prompt, f.sample}] = f;
  return out;
}

// Greedy continuation by re-running the whole sequence every step (no cache).
std::vector<int64_t> greedy_uncached(ekt::CausalLM& model, std::vector<int64_t> ids, int64_t steps) {
  c10::InferenceMode inference;
  std::vector<int64_t> out;
  for (int64_t s = 0; s < steps; ++s) {
    torch::Tensor t = torch::tensor(ids, torch::kInt64).unsqueeze(0).to(model.device());
    torch::Tensor valid = torch::ones_like(t, torch::kBool);
    const int64_t next = model.forward(t, valid, nullptr, true).argmax(1).item<int64_t>();
    out.push_back(next);
    ids.push_back(next);
  }
  return out;
}

class GeneratorTest : public testing::TestWithParam<std::string> {};

TEST_P(GeneratorTest, GreedyWithSharedCacheEqualsUncachedGreedy) {
  auto model = random_model(GetParam(), 1);
  ekt::GenerationOptions o;
  o.sampling.temperature = 0;
  o.samples = 2;
  o.max_new_tokens = 20;  // past GPT-Neo's window of 5
  o.stops.eos = -1;
  o.max_rows = 4;  // fewer rows than samples: rows are refilled mid-run
  auto got = generate(*model, o);
  ASSERT_EQ(got.size(), 6u);
  for (int64_t p = 0; p < 3; ++p) {
    const auto expected = greedy_uncached(*model, test_prompts()[p], 20);
    for (int64_t s = 0; s < 2; ++s) {
      const ekt::FinishedSample& sample = got.at({p, s});
      EXPECT_EQ(sample.tokens, expected) << "prompt " << p << " sample " << s;
      EXPECT_EQ(sample.finish, Finish::length);
    }
  }
}

TEST_P(GeneratorTest, SharedNaiveAndEveryAttentionPathDrawTheSameSamples) {
  auto model = random_model(GetParam(), 2);
  ekt::GenerationOptions o;
  o.samples = 3;
  o.max_new_tokens = 16;
  o.seed = 5;
  o.max_rows = 5;
  auto shared = generate(*model, o);
  o.share_prompt = false;
  auto naive = generate(*model, o);
  o.share_prompt = true;
  o.attention = ekt::AttentionPath::gather;
  auto gathered = generate(*model, o);
  o.attention = ekt::AttentionPath::torch;
  auto torch_ops = generate(*model, o);
  ASSERT_EQ(shared.size(), 9u);
  for (const auto& [key, s] : shared) {
    for (const auto* other : {&naive, &gathered, &torch_ops}) {
      const ekt::FinishedSample& t = other->at(key);
      ASSERT_EQ(s.tokens, t.tokens);
      for (size_t i = 0; i < s.logprobs.size(); ++i) EXPECT_NEAR(s.logprobs[i], t.logprobs[i], 1e-4);
    }
  }
}

// Requests that end by every rule at different steps: `common` are tokens the model draws often
// (none: a probe run without rules). Request 0 ends by EOS, 1 by its own length, 2 by a token
// sequence or a text rule, 3 by the model's context (its prompt leaves room for 11 of its 24).
struct Request {
  std::vector<int64_t> ids;
  ekt::PromptOptions options;
};

std::string letter(int64_t token) { return std::string(1, static_cast<char>('a' + token % 26)); }

std::vector<Request> ending_requests(const std::vector<int64_t>& common) {
  std::vector<Request> out;
  const std::vector<int64_t> lengths = {24, 7, 17, 24};
  std::vector<std::vector<int64_t>> prompts = test_prompts();
  prompts.push_back(std::vector<int64_t>(85, 0));
  for (size_t i = 0; i < prompts.back().size(); ++i) prompts.back()[i] = static_cast<int64_t>(i * 7 % 59);
  for (size_t i = 0; i < prompts.size(); ++i) {
    Request r{prompts[i], {}};
    r.options.samples = 3;
    r.options.max_new_tokens = lengths[i];
    r.options.seed = 17 + i;
    r.options.stops.eos = -1;
    out.push_back(r);
  }
  if (!common.empty()) {
    out[0].options.stops.eos = common[0];
    out[2].options.stops.token_sequences = {{common[1]}, {common[0], common[0]}};
    out[2].options.stops.texts = {{letter(common[2]), ""}};
  }
  return out;
}

// A token -> bytes table for the text rules: letters, then letters again.
std::shared_ptr<const std::vector<std::string>> letter_table() {
  auto table = std::make_shared<std::vector<std::string>>();
  for (int64_t t = 0; t < 61; ++t) table->push_back(letter(t));
  return table;
}

// (prompt, sample) -> sample, and the generator's stats.
std::pair<std::map<std::pair<int64_t, int64_t>, ekt::FinishedSample>, nlohmann::json> run_requests(ekt::CausalLM& model,
                                                                                                   ekt::GenerationOptions o,
                                                                                                   const std::vector<int64_t>& common) {
  c10::InferenceMode inference;
  ekt::Generator g(model, o);
  g.set_vocab(letter_table());
  uint64_t key = 3;
  for (const Request& r : ending_requests(common)) g.add_prompt(key++, r.ids, r.options);
  while (g.run(1)) {
  }
  std::map<std::pair<int64_t, int64_t>, ekt::FinishedSample> out;
  for (auto& f : g.finished()) out[{f.prompt, f.sample}] = f;
  return {out, g.stats()};
}

// Checking stop rules and refilling rows every few steps instead of every step (what spares a GPU
// a host synchronisation per token) draws the same samples: one that ends inside a run of steps
// keeps exactly its tokens up to its end. Fewer rows than samples make rows refill.
TEST_P(GeneratorTest, CheckingStopsEveryFewStepsDrawsTheSameSamples) {
  auto model = random_model(GetParam(), 6);
  ekt::GenerationOptions o;
  o.max_new_tokens = 24;
  o.max_rows = 5;
  o.steps_per_sync = 1;
  // The stop rules use the tokens these random weights draw most often, so that they do fire.
  std::map<int64_t, int64_t> drawn;
  for (const auto& [key, s] : run_requests(*model, o, {}).first)
    for (int64_t t : s.tokens) ++drawn[t];
  std::vector<std::pair<int64_t, int64_t>> by_count;  // (-count, token)
  for (auto [t, count] : drawn) by_count.push_back({-count, t});
  std::sort(by_count.begin(), by_count.end());
  const std::vector<int64_t> common = {by_count[0].second, by_count[1].second, by_count[2].second};
  const auto [every, every_stats] = run_requests(*model, o, common);
  ASSERT_EQ(every.size(), 12u);
  const std::vector<Request> requests = ending_requests(common);
  std::set<std::pair<Finish, bool>> endings;  // (finish, before the request's own length)
  for (const auto& [key, s] : every)
    endings.insert({s.finish, static_cast<int64_t>(s.tokens.size()) < requests[key.first].options.max_new_tokens});
  for (auto ending : {std::pair{Finish::eos, true}, {Finish::stop, true}, {Finish::length, true}, {Finish::length, false}})
    EXPECT_TRUE(endings.count(ending)) << "no sample ended by finish " << static_cast<int>(ending.first) << (ending.second ? " early" : "");
  EXPECT_EQ(every_stats["host_syncs"], every_stats["decode_steps"]);
  EXPECT_EQ(every_stats["discarded_tokens"], 0);
  for (int64_t steps : {3, 8}) {
    for (auto path : {ekt::AttentionPath::kernel, ekt::AttentionPath::torch}) {
      o.steps_per_sync = steps;
      o.attention = path;
      const auto [got, stats] = run_requests(*model, o, common);
      ASSERT_EQ(got.size(), every.size());
      for (const auto& [key, s] : every) {
        const ekt::FinishedSample& t = got.at(key);
        ASSERT_EQ(s.tokens, t.tokens) << "steps_per_sync " << steps << ", prompt " << key.first << " sample " << key.second;
        EXPECT_EQ(s.finish, t.finish);
        EXPECT_EQ(s.text_bytes, t.text_bytes);
        for (size_t i = 0; i < s.logprobs.size(); ++i) EXPECT_NEAR(s.logprobs[i], t.logprobs[i], 1e-4);
      }
      EXPECT_LT(stats["host_syncs"].get<int64_t>(), every_stats["host_syncs"].get<int64_t>());
      EXPECT_LE(stats["decode_steps"].get<int64_t>(), stats["host_syncs"].get<int64_t>() * steps);
      EXPECT_GT(stats["discarded_tokens"].get<int64_t>(), 0);  // samples did end inside runs of steps
      EXPECT_EQ(stats["decode_tokens"], every_stats["decode_tokens"]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, GeneratorTest, testing::Values("gpt2", "gpt_neo"));

// On a GPU, the steps between two checks never wait for the host: CUDA's sync debug mode turns
// any synchronisation inside them into an error (a plain upload, a .item(), a copy back).
TEST(Generator, StepsBetweenChecksNeverWaitForTheHost) {
  if (!test_device().is_cuda()) GTEST_SKIP() << "needs a GPU: scripts/gpu-check.sh runs it with EKT_TEST_DEVICE=cuda";
  for (const char* type : {"gpt2", "gpt_neo"}) {
    auto model = random_model(type, 6);
    ekt::GenerationOptions o;
    o.max_new_tokens = 24;
    o.max_rows = 5;
    o.steps_per_sync = 8;
    const auto free_run = run_requests(*model, o, {5, 7, 9}).first;
    o.forbid_sync_between_checks = true;
    const auto checked = run_requests(*model, o, {5, 7, 9}).first;
    for (const auto& [key, s] : free_run) EXPECT_EQ(s.tokens, checked.at(key).tokens) << type;
  }
}

// On a GPU, a run of steps replayed as a captured CUDA graph draws the same samples as launching
// every kernel (the same kernels on the same buffers), and never waits for the host either.
TEST(Generator, CudaGraphsReplayTheSameSamples) {
  if (!test_device().is_cuda()) GTEST_SKIP() << "needs a GPU: scripts/gpu-check.sh runs it with EKT_TEST_DEVICE=cuda";
  for (const char* type : {"gpt2", "gpt_neo"}) {
    for (auto path : {ekt::AttentionPath::torch, ekt::AttentionPath::gather}) {
      auto model = random_model(type, 6);
      ekt::GenerationOptions o;
      o.max_new_tokens = 24;
      o.max_rows = 5;
      o.steps_per_sync = 8;
      o.attention = path;
      const auto [launched, launched_stats] = run_requests(*model, o, {5, 7, 9});
      o.cuda_graphs = true;
      o.forbid_sync_between_checks = true;
      const auto [replayed, stats] = run_requests(*model, o, {5, 7, 9});
      EXPECT_EQ(launched_stats["graph_replays"], 0);
      EXPECT_GT(stats["graph_replays"].get<int64_t>(), stats["host_syncs"].get<int64_t>()) << type;  // most steps replayed
      ASSERT_EQ(replayed.size(), launched.size());
      for (const auto& [key, s] : launched) {
        const ekt::FinishedSample& t = replayed.at(key);
        ASSERT_EQ(s.tokens, t.tokens) << type << ", prompt " << key.first << " sample " << key.second;
        for (size_t i = 0; i < s.logprobs.size(); ++i) EXPECT_NEAR(s.logprobs[i], t.logprobs[i], 1e-5);
      }
    }
  }
}

TEST(Generator, MemoryBudgetShrinksTheBatchOrFailsClearly) {
  auto model = random_model("gpt2", 3);
  ekt::GenerationOptions o;
  o.max_rows = 100000;
  o.memory_bytes = 64 << 20;
  ekt::Generator g(*model, o);
  g.add_prompt(1, {1, 2, 3});
  {
    c10::InferenceMode inference;
    g.run(1);
  }
  EXPECT_LT(g.stats()["rows"].get<int64_t>(), 100000);
  EXPECT_LE(g.stats()["memory_planned_bytes"].get<int64_t>(), 64 << 20);

  o.memory_bytes = 1000;
  ekt::Generator tiny(*model, o);
  tiny.add_prompt(1, {1, 2, 3});
  try {
    c10::InferenceMode inference;
    tiny.run(1);
    FAIL() << "expected a memory budget error";
  } catch (const ekt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("memory budget"), std::string::npos) << e.what();
  }
}

TEST(Generator, RejectsBadRequests) {
  auto model = random_model("gpt2", 3);
  ekt::GenerationOptions o;
  ekt::Generator g(*model, o);
  EXPECT_THROW(g.add_prompt(1, {}), ekt::Error);
  EXPECT_THROW(g.add_prompt(1, {61}), ekt::Error);
  EXPECT_THROW(g.add_prompt(1, std::vector<int64_t>(96, 1)), ekt::Error);
  o.sampling.top_p = 0;
  EXPECT_THROW((ekt::Generator{*model, o}), ekt::Error);
}

// ------------------------------------------------------------------ serving (per-prompt options, events, cancel)

// The tokens of every sample from token events, keyed (prompt, sample), with each sample's finish.
std::map<std::pair<int64_t, int64_t>, std::pair<std::vector<int64_t>, int32_t>> drain_events(ekt::Generator& g) {
  std::map<std::pair<int64_t, int64_t>, std::pair<std::vector<int64_t>, int32_t>> out;
  c10::InferenceMode inference;
  while (g.run(1)) {
  }
  for (const ekt::TokenEvent& e : g.events()) {
    auto& sample = out[{e.prompt, e.sample}];
    EXPECT_TRUE(sample.first.empty() || sample.second == -1) << "a token after the sample's last";
    sample.first.push_back(e.token);
    sample.second = e.finish;
  }
  return out;
}

// Requests with different settings decoding in one batch draw what each draws alone: continuous
// batching changes nothing about a request's samples.
TEST(Generator, PromptsWithTheirOwnSettingsDrawWhatTheyDrawAlone) {
  auto model = random_model("gpt2", 4);
  ekt::GenerationOptions o;
  o.max_new_tokens = 24;
  o.max_rows = 6;
  o.token_events = true;
  std::vector<ekt::PromptOptions> requests(3);
  requests[0].samples = 2, requests[0].max_new_tokens = 20, requests[0].seed = 1, requests[0].sampling.temperature = 0.7;
  requests[1].samples = 3, requests[1].max_new_tokens = 9, requests[1].seed = 2, requests[1].sampling.top_k = 5;
  requests[2].samples = 1, requests[2].max_new_tokens = 24, requests[2].seed = 3, requests[2].sampling.temperature = 0;
  requests[1].top_logprobs = 3;
  for (auto& r : requests) r.stops.eos = 60;
  ekt::Generator together(*model, o);
  for (size_t i = 0; i < requests.size(); ++i) together.add_prompt(7 + i, test_prompts()[i], requests[i]);
  const auto batched = drain_events(together);
  for (size_t i = 0; i < requests.size(); ++i) {
    ekt::Generator alone(*model, o);
    alone.add_prompt(7 + i, test_prompts()[i], requests[i]);
    const auto single = drain_events(alone);
    for (int64_t s = 0; s < requests[i].samples; ++s) {
      const auto& got = batched.at({static_cast<int64_t>(i), s});
      EXPECT_EQ(got, single.at({0, s})) << "prompt " << i << " sample " << s;
      EXPECT_NE(got.second, -1);
      EXPECT_LE(static_cast<int64_t>(got.first.size()), requests[i].max_new_tokens);
    }
  }
  // Same settings as a batch job's: the batch job's samples.
  ekt::GenerationOptions job = o;
  job.token_events = false;
  job.samples = 2, job.max_new_tokens = 20, job.seed = 1, job.sampling.temperature = 0.7, job.stops.eos = 60;
  ekt::Generator plain(*model, job);
  plain.add_prompt(7, test_prompts()[0]);
  {
    c10::InferenceMode inference;
    while (plain.run(3)) {
    }
  }
  for (const auto& f : plain.finished()) EXPECT_EQ(f.tokens, batched.at({0, f.sample}).first);
}

// The rows' generated-token slots are allocated for the queued requests' max_new_tokens and grow
// when a longer request joins the running batch: the live rows keep their keys, and both requests
// draw what they draw alone.
TEST(Generator, ALongerRequestJoiningTheBatchGrowsTheCache) {
  auto model = random_model("gpt2", 4);
  ekt::GenerationOptions o;
  o.max_new_tokens = 40;
  o.token_events = true;
  std::vector<ekt::PromptOptions> requests(2);
  requests[0].samples = 3, requests[0].max_new_tokens = 6, requests[0].seed = 1, requests[0].sampling.temperature = 0.8;
  requests[1].samples = 2, requests[1].max_new_tokens = 40, requests[1].seed = 2, requests[1].sampling.temperature = 0.8;
  for (auto& r : requests) r.stops.eos = -1;
  ekt::Generator g(*model, o);
  g.add_prompt(7, test_prompts()[0], requests[0]);
  {
    c10::InferenceMode inference;
    g.run(2);  // planned for 6 new tokens; the short request's rows are mid-sample
  }
  EXPECT_EQ(g.stats()["live_rows"].get<int64_t>(), 3);
  g.add_prompt(8, test_prompts()[1], requests[1]);
  const auto together = drain_events(g);
  for (size_t i = 0; i < requests.size(); ++i) {
    ekt::Generator alone(*model, o);
    alone.add_prompt(7 + i, test_prompts()[i], requests[i]);
    const auto single = drain_events(alone);
    for (int64_t s = 0; s < requests[i].samples; ++s) {
      const auto& got = together.at({static_cast<int64_t>(i), s});
      EXPECT_EQ(got, single.at({0, s})) << "prompt " << i << " sample " << s;
      EXPECT_EQ(static_cast<int64_t>(got.first.size()), requests[i].max_new_tokens);
    }
  }
}

TEST(Generator, TopLogprobsAreTheRawDistributionsBest) {
  auto model = random_model("gpt2", 5);
  ekt::GenerationOptions o;
  o.max_new_tokens = 6;
  o.token_events = true;
  ekt::PromptOptions greedy;
  greedy.sampling.temperature = 0;
  greedy.max_new_tokens = 6;
  greedy.top_logprobs = 4;
  greedy.stops.eos = -1;
  ekt::Generator g(*model, o);
  g.add_prompt(1, test_prompts()[0], greedy);
  c10::InferenceMode inference;
  while (g.run(1)) {
  }
  ASSERT_EQ(g.events().size(), 6u);
  for (const ekt::TokenEvent& e : g.events()) {
    ASSERT_EQ(e.top_ids.size(), 4u);
    EXPECT_EQ(e.top_ids[0], e.token);  // greedy takes the most likely
    EXPECT_NEAR(e.top_logprobs[0], e.logprob, 1e-5);
    for (size_t k = 1; k < 4; ++k) EXPECT_LE(e.top_logprobs[k], e.top_logprobs[k - 1]);
  }
}

TEST(Generator, CancelledPromptsLeaveAtOnceAndOthersGoOn) {
  auto model = random_model("gpt2", 6);
  ekt::GenerationOptions o;
  o.max_new_tokens = 40;
  o.token_events = true;
  ekt::PromptOptions p;
  p.samples = 4;
  p.max_new_tokens = 40;
  p.stops.eos = -1;
  ekt::Generator g(*model, o);
  const int64_t doomed = g.add_prompt(1, test_prompts()[0], p);
  const int64_t kept = g.add_prompt(2, test_prompts()[1], p);
  c10::InferenceMode inference;
  g.run(3);
  const auto count = [&](int64_t prompt) {
    return std::count_if(g.events().begin(), g.events().end(), [&](const ekt::TokenEvent& e) { return e.prompt == prompt; });
  };
  const auto doomed_tokens = count(doomed);
  EXPECT_GT(doomed_tokens, 0);
  g.cancel(doomed);
  EXPECT_EQ(g.stats()["live_rows"].get<int64_t>(), 4);
  while (g.run(1)) {
  }
  EXPECT_EQ(count(doomed), doomed_tokens);  // nothing after the cancel
  EXPECT_EQ(count(kept), 4 * 40);           // the other request is untouched
  EXPECT_EQ(g.stats()["live_rows"].get<int64_t>(), 0);
}

}  // namespace
