#include "training/schedule.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace ekt {

LrSchedule::Kind LrSchedule::parse_kind(const std::string& name) {
  if (name == "linear") return Kind::kLinear;
  if (name == "cosine") return Kind::kCosine;
  if (name == "constant") return Kind::kConstant;
  EKT_FAIL("unknown lr schedule '" << name << "' (expected linear, cosine or constant)");
}

const char* LrSchedule::kind_name(Kind kind) {
  switch (kind) {
    case Kind::kLinear: return "linear";
    case Kind::kCosine: return "cosine";
    case Kind::kConstant: return "constant";
  }
  return "?";
}

double LrSchedule::factor(int64_t done) const {
  const double step = static_cast<double>(done);
  if (done < warmup_steps) return step / static_cast<double>(std::max<int64_t>(1, warmup_steps));
  if (kind == Kind::kConstant) return 1.0;
  const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  const double progress = (step - static_cast<double>(warmup_steps)) / span;
  if (kind == Kind::kLinear) return std::max(0.0, 1.0 - progress);
  // Half a cosine period from 1 down to 0 (HF num_cycles = 0.5), held at 0 past the end.
  return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * std::min(progress, 1.0))));
}

}  // namespace ekt
