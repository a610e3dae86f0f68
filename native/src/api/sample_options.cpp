#include "api/sample_options.h"

#include <algorithm>
#include <iterator>

#include "error.h"
#include "api/json_options.h"

namespace ekt {
namespace {

const char* kPromptFields[] = {"n", "temperature", "top_k", "top_p", "max_new_tokens", "seed",
                               "eos_token_id", "stop_tokens", "stop_strings", "top_logprobs"};

std::vector<TextStop> parse_stop_strings(const nlohmann::json& j) {
  std::vector<TextStop> out;
  EKT_CHECK(j.is_array(), "sampling option 'stop_strings' must be an array");
  for (const auto& s : j) {
    if (s.is_string()) {
      out.push_back({s.get<std::string>(), ""});
    } else {
      EKT_CHECK(s.is_object() && s.contains("start") && s["start"].is_string(),
                "a stop string must be \"text\" or {\"start\": \"...\", \"end\": \"...\"}, got " << s.dump());
      out.push_back({s["start"].get<std::string>(), JsonOptions(s, "stop string field").get<std::string>("end", "")});
    }
  }
  return out;
}

}  // namespace

bool is_prompt_option(const std::string& key) {
  return std::any_of(std::begin(kPromptFields), std::end(kPromptFields), [&](const char* k) { return key == k; });
}

PromptOptions read_prompt_options(const nlohmann::json& j, PromptOptions o, bool every_field) {
  const JsonOptions in(j, "sampling option");
  auto field = [&](const char* name, auto current) {
    return every_field ? in.require<decltype(current)>(name) : in.get(name, current);
  };
  o.samples = field("n", o.samples);
  o.sampling.temperature = field("temperature", o.sampling.temperature);
  o.sampling.top_k = field("top_k", o.sampling.top_k);
  o.sampling.top_p = field("top_p", o.sampling.top_p);
  o.max_new_tokens = field("max_new_tokens", o.max_new_tokens);
  o.seed = field("seed", o.seed);
  o.stops.eos = in.get<int64_t>("eos_token_id", o.stops.eos);
  o.stops.token_sequences = field("stop_tokens", o.stops.token_sequences);
  const nlohmann::json texts = field("stop_strings", nlohmann::json());
  if (!texts.is_null()) o.stops.texts = parse_stop_strings(texts);
  o.top_logprobs = in.get<int64_t>("top_logprobs", o.top_logprobs);
  return o;
}

nlohmann::json parse_options_json(const char* text, const char* what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text && *text ? text : "{}");
  } catch (const nlohmann::json::exception& e) {
    EKT_FAIL(what << ": invalid JSON (" << e.what() << ")");
  }
  EKT_CHECK(j.is_object(), what << " must be a JSON object");
  return j;
}

}  // namespace ekt
