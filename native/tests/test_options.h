// Complete option objects for the C API's creators, which require every field (the values Java
// sends by default: ekt.core.SamplingOptions, ekt.train.TrainConfig), with `changes` applied.
#pragma once

#include <nlohmann/json.hpp>

inline nlohmann::json sampler_options(const nlohmann::json& changes = nlohmann::json::object()) {
  nlohmann::json j = {{"n", 1}, {"temperature", 1.0}, {"top_k", 0}, {"top_p", 1.0}, {"max_new_tokens", 8},
                      {"seed", 0}, {"share_prompt", true}, {"max_batch", 256}, {"memory_budget_mb", 0},
                      {"attention", "shared"}, {"steps_per_sync", 0}, {"cuda_graphs", false}, {"stop_tokens", nlohmann::json::array()},
                      {"stop_strings", nlohmann::json::array()}};
  j.update(changes);
  return j;
}

inline nlohmann::json trainer_options(const nlohmann::json& changes = nlohmann::json::object()) {
  nlohmann::json j = {{"lr", 1e-3}, {"schedule", "linear"}, {"warmup_steps", 0}, {"total_steps", 10},
                      {"beta1", 0.9}, {"beta2", 0.999}, {"eps", 1e-6}, {"weight_decay", 0.1},
                      {"max_grad_norm", 1.0}, {"micro_batch", 0}, {"kd_weight", 1.0}, {"kd_temperature", 1.0},
                      {"workers", 0}, {"precision", "float32"}, {"checkpoint_activations", false}};
  j.update(changes);
  return j;
}
