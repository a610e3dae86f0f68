// The per-prompt fields of a sampling options object (ekt/sample_api.h), shared by the
// sampler's own options and a request's (ekt/sample_stream_api.h).
#pragma once

#include <nlohmann/json.hpp>

#include "sampling/generate.h"

namespace ekt {

// Names: n, temperature, top_k, top_p, max_new_tokens, seed, stop_tokens, stop_strings, and the
// optional eos_token_id and top_logprobs. With every_field (creating a sampler) each of the others
// is required; otherwise (a prompt's own options) fields absent from `j` keep `base`'s values.
PromptOptions read_prompt_options(const nlohmann::json& j, PromptOptions base, bool every_field);

// Whether `key` is one of the fields read_prompt_options reads.
bool is_prompt_option(const std::string& key);

// Parses a JSON options object (empty or null text = {}), naming `what` in errors.
nlohmann::json parse_options_json(const char* text, const char* what);

}  // namespace ekt
