// The C API of ekt/sample_stream_api.h: per-request prompts, cancellation and token events on a
// sampler, and prompt scoring (echo with logprobs).
#include "ekt/sample_stream_api.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "api/api_guard.h"
#include "error.h"
#include "api/model_handle.h"
#include "api/sample_options.h"
#include "api/sampler_handle.h"

using ekt::guarded;

extern "C" {

int ekt_sampler_add_prompt(ekt_sampler* s, const int64_t* ids, int64_t length, int64_t key, const char* options_json,
                           int64_t* index) {
  return guarded([&] {
    ekt::Generator& g = ekt::live(s);
    EKT_CHECK(ids != nullptr && index != nullptr && length >= 0, "add_prompt: null argument");
    const nlohmann::json j = ekt::parse_options_json(options_json, "prompt options");
    for (const auto& item : j.items()) EKT_CHECK(ekt::is_prompt_option(item.key()), "unknown prompt option '" << item.key() << "'");
    *index = g.add_prompt(static_cast<uint64_t>(key), std::vector<int64_t>(ids, ids + length),
                          ekt::read_prompt_options(j, g.defaults(), false));
  });
}

int ekt_sampler_cancel(ekt_sampler* s, int64_t prompt) {
  return guarded([&] { ekt::live(s).cancel(prompt); });
}

int ekt_sampler_events_ready(ekt_sampler* s, int64_t* events) {
  return guarded([&] {
    EKT_CHECK(events != nullptr, "events_ready: null argument");
    *events = static_cast<int64_t>(ekt::live(s).events().size());
  });
}

int ekt_sampler_take_events(ekt_sampler* s, int64_t events, int64_t* prompt, int64_t* sample, int64_t* token, float* logprob,
                            int32_t* finish, int64_t top_cap, int64_t* top_ids, float* top_logprobs) {
  return guarded([&] {
    auto& ready = ekt::live(s).events();
    EKT_CHECK(prompt && sample && token && logprob && finish && top_cap >= 0 && (top_cap == 0 || (top_ids && top_logprobs)),
              "take_events: null argument");
    EKT_CHECK(events >= 0 && events <= static_cast<int64_t>(ready.size()),
              "take_events: asked for " << events << " events, " << ready.size() << " are ready");
    for (int64_t i = 0; i < events; ++i) {
      const ekt::TokenEvent& e = ready.front();
      prompt[i] = e.prompt;
      sample[i] = e.sample;
      token[i] = e.token;
      logprob[i] = e.logprob;
      finish[i] = e.finish;
      for (int64_t k = 0; k < top_cap; ++k) {
        const bool has = k < static_cast<int64_t>(e.top_ids.size());
        top_ids[i * top_cap + k] = has ? e.top_ids[k] : -1;
        top_logprobs[i * top_cap + k] = has ? e.top_logprobs[k] : 0.0f;
      }
      ready.pop_front();
    }
  });
}

int ekt_model_score(ekt_model* model, const int64_t* ids, int64_t length, int64_t top_n, float* logprobs, int64_t* top_ids,
                    float* top_logprobs) {
  return guarded([&] {
    EKT_CHECK(model && ids && logprobs && length > 0 && top_n >= 0 && (top_n == 0 || (top_ids && top_logprobs)),
              "score: null argument");
    ekt::CausalLM& m = *model->loaded.model;
    const int64_t vocab = m.config().vocab_size;
    EKT_CHECK(length <= m.config().max_positions, "score: " << length << " tokens exceed the model's context of " << m.config().max_positions);
    for (int64_t t = 0; t < length; ++t) EKT_CHECK(ids[t] >= 0 && ids[t] < vocab, "score: token id " << ids[t] << " is outside the vocabulary");
    c10::InferenceMode inference;
    torch::Tensor t_ids = torch::from_blob(const_cast<int64_t*>(ids), {1, length}, torch::kInt64).to(m.device());
    torch::Tensor valid = torch::ones({1, length}, torch::kBool).to(m.device());
    // Position t's logits predict token t + 1.
    torch::Tensor lp = torch::log_softmax(m.forward(t_ids, valid, nullptr, false)[0].to(torch::kFloat32), 1);  // (T, V)
    torch::Tensor next = t_ids[0].narrow(0, 1, length - 1).unsqueeze(1);
    torch::Tensor chosen = lp.narrow(0, 0, length - 1).gather(1, next).squeeze(1).to(torch::kCPU).contiguous();
    logprobs[0] = std::numeric_limits<float>::quiet_NaN();
    std::copy(chosen.data_ptr<float>(), chosen.data_ptr<float>() + (length - 1), logprobs + 1);
    if (top_n == 0) return;
    const int64_t k = std::min(top_n, vocab);
    auto [values, index] = lp.narrow(0, 0, length - 1).topk(k, 1, true, true);
    values = values.to(torch::kCPU).contiguous();
    index = index.to(torch::kCPU, torch::kInt64).contiguous();
    std::fill(top_ids, top_ids + length * top_n, -1);
    std::fill(top_logprobs, top_logprobs + length * top_n, 0.0f);
    for (int64_t t = 1; t < length; ++t) {
      std::copy(index.data_ptr<int64_t>() + (t - 1) * k, index.data_ptr<int64_t>() + t * k, top_ids + t * top_n);
      std::copy(values.data_ptr<float>() + (t - 1) * k, values.data_ptr<float>() + t * k, top_logprobs + t * top_n);
    }
  });
}

}  // extern "C"
