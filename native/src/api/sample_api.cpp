// The C API of ekt/sample_api.h: options JSON -> GenerationOptions, flat buffers <-> Generator.
#include "ekt/sample_api.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/api_guard.h"
#include "error.h"
#include "sampling/generate.h"
#include "api/json_options.h"
#include "api/model_handle.h"
#include "api/sample_options.h"
#include "api/sampler_handle.h"

namespace ekt {
namespace {

GenerationOptions parse_options(const char* text, const ModelConfig& config) {
  const nlohmann::json j = parse_options_json(text, "sampling options");
  static const char* known[] = {"share_prompt", "max_batch", "memory_budget_mb", "attention", "token_events", "steps_per_sync",
                                "cuda_graphs"};
  for (const auto& item : j.items())
    EKT_CHECK(is_prompt_option(item.key()) || std::any_of(std::begin(known), std::end(known), [&](const char* k) { return item.key() == k; }),
              "unknown sampling option '" << item.key() << "'");
  const JsonOptions in(j, "sampling option");
  PromptOptions base;
  base.stops.eos = config.eos_token_id;
  const PromptOptions p = read_prompt_options(j, base, true);
  EKT_CHECK(p.top_logprobs == 0, "sampling option 'top_logprobs' is per prompt (ekt_sampler_add_prompt)");
  GenerationOptions o;
  o.samples = p.samples;
  o.sampling = p.sampling;
  o.max_new_tokens = p.max_new_tokens;
  o.seed = p.seed;
  o.stops = p.stops;
  o.share_prompt = in.require<bool>("share_prompt");
  o.max_rows = in.require<int64_t>("max_batch");
  o.memory_bytes = in.require<int64_t>("memory_budget_mb") * (int64_t{1} << 20);
  o.token_events = in.get<bool>("token_events", false);
  o.steps_per_sync = in.require<int64_t>("steps_per_sync");
  o.cuda_graphs = in.require<bool>("cuda_graphs");
  const std::string attention = in.require<std::string>("attention");
  EKT_CHECK(attention == "shared" || attention == "torch" || attention == "gather",
            "sampling option 'attention' must be \"shared\", \"torch\" or \"gather\", got '" << attention << "'");
  o.attention = attention == "gather" ? AttentionPath::gather : attention == "torch" ? AttentionPath::torch : AttentionPath::kernel;
  return o;
}

}  // namespace

ekt::Generator& live(ekt_sampler* s) {
  EKT_CHECK(s != nullptr, "sampler is null");
  EKT_CHECK(!s->failed, "sampler stopped after an earlier error; create a new one");
  return *s->generator;
}

}  // namespace ekt

using ekt::guarded;

extern "C" {

ekt_sampler* ekt_sampler_create(ekt_model* model, const char* options_json) {
  ekt_sampler* out = nullptr;
  guarded([&] {
    EKT_CHECK(model != nullptr, "sampler: model is null");
    auto s = std::make_unique<ekt_sampler>();
    s->generator = std::make_unique<ekt::Generator>(*model->loaded.model,
                                                    ekt::parse_options(options_json, model->loaded.model->config()));
    out = s.release();
  });
  return out;
}

void ekt_sampler_free(ekt_sampler* sampler) { delete sampler; }

int ekt_sampler_set_vocab(ekt_sampler* s, const uint8_t* bytes, const int64_t* offsets, int64_t vocab) {
  return guarded([&] {
    ekt::Generator& g = ekt::live(s);
    EKT_CHECK(offsets != nullptr && vocab > 0 && (bytes != nullptr || offsets[vocab] == 0), "set_vocab: null argument");
    auto table = std::make_shared<std::vector<std::string>>();
    for (int64_t t = 0; t < vocab; ++t) {
      EKT_CHECK(offsets[t] >= 0 && offsets[t] <= offsets[t + 1], "set_vocab: offsets must be non-decreasing from 0");
      table->emplace_back(reinterpret_cast<const char*>(bytes) + offsets[t], static_cast<size_t>(offsets[t + 1] - offsets[t]));
    }
    g.set_vocab(std::move(table));
  });
}

int ekt_sampler_add(ekt_sampler* s, const int64_t* ids, const int64_t* lengths, const int64_t* keys, int64_t count) {
  return guarded([&] {
    ekt::Generator& g = ekt::live(s);
    EKT_CHECK(ids != nullptr && lengths != nullptr && keys != nullptr && count >= 0, "add: null argument");
    const int64_t* p = ids;
    for (int64_t i = 0; i < count; ++i) {
      EKT_CHECK(lengths[i] >= 0, "add: prompt length " << lengths[i] << " is negative");
      g.add_prompt(static_cast<uint64_t>(keys[i]), std::vector<int64_t>(p, p + lengths[i]));
      p += lengths[i];
    }
  });
}

int ekt_sampler_run(ekt_sampler* s, int64_t max_steps) {
  bool more = false;
  const int status = guarded([&] {
    ekt::Generator& g = ekt::live(s);
    c10::InferenceMode inference;
    try {
      more = g.run(max_steps);
    } catch (...) {
      s->failed = true;
      throw;
    }
  });
  return status != 0 ? -1 : (more ? 1 : 0);
}

int ekt_sampler_ready(ekt_sampler* s, int64_t* samples, int64_t* tokens) {
  return guarded([&] {
    ekt::Generator& g = ekt::live(s);
    EKT_CHECK(samples != nullptr && tokens != nullptr, "ready: null argument");
    *samples = static_cast<int64_t>(g.finished().size());
    *tokens = 0;
    for (const auto& f : g.finished()) *tokens += static_cast<int64_t>(f.tokens.size());
  });
}

int ekt_sampler_take(ekt_sampler* s, int64_t samples, int64_t* prompt, int64_t* sample, int32_t* finish, int64_t* length,
                     int64_t* text_bytes, double* seconds, int64_t* tokens, float* logprobs, int64_t tokens_cap) {
  return guarded([&] {
    ekt::Generator& g = ekt::live(s);
    EKT_CHECK(prompt && sample && finish && length && text_bytes && seconds && tokens && logprobs, "take: null argument");
    auto& ready = g.finished();
    EKT_CHECK(samples >= 0 && samples <= static_cast<int64_t>(ready.size()),
              "take: asked for " << samples << " samples, " << ready.size() << " are ready");
    int64_t needed = 0;
    for (int64_t i = 0; i < samples; ++i) needed += static_cast<int64_t>(ready[i].tokens.size());
    EKT_CHECK(needed <= tokens_cap, "take: token buffers hold " << tokens_cap << ", the samples have " << needed);
    for (int64_t i = 0; i < samples; ++i) {
      const ekt::FinishedSample& f = ready.front();
      prompt[i] = f.prompt;
      sample[i] = f.sample;
      finish[i] = static_cast<int32_t>(f.finish);
      length[i] = static_cast<int64_t>(f.tokens.size());
      text_bytes[i] = f.text_bytes;
      seconds[i] = f.seconds;
      tokens = std::copy(f.tokens.begin(), f.tokens.end(), tokens);
      logprobs = std::copy(f.logprobs.begin(), f.logprobs.end(), logprobs);
      ready.pop_front();
    }
  });
}

const char* ekt_sampler_stats(ekt_sampler* s) {
  if (s == nullptr) return "{}";
  s->stats = s->generator->stats().dump();
  return s->stats.c_str();
}

}  // extern "C"
