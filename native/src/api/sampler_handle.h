// What an ekt_sampler handle holds; shared by the sampler's API files.
#pragma once

#include <memory>
#include <string>

#include "ekt/sample_api.h"
#include "sampling/generate.h"

struct ekt_sampler {
  std::unique_ptr<ekt::Generator> generator;
  std::string stats;
  bool failed = false;  // a run threw: the batch state is unknown, so the session is over
};

namespace ekt {

// The sampler's generator; throws once the session has failed.
Generator& live(ekt_sampler* s);

}  // namespace ekt
