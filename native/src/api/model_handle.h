// What an ekt_model handle holds; shared by the API files (model, sampler, trainer).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "formats/checkpoint.h"
#include "ekt/api.h"

struct ekt_model {
  ekt::LoadedModel loaded;
  std::string info;  // JSON returned by ekt_model_info
};

namespace ekt {

// The JSON description behind `ekt model info`.
nlohmann::json describe(const LoadedModel& loaded, const torch::Device& device);

}  // namespace ekt
