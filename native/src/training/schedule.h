// Learning-rate schedules with Hugging Face semantics (transformers.get_*_schedule_with_warmup):
// the lr of the update after `done` completed updates is base_lr * factor(done), so the very
// first update runs at factor(0) = 0 when there is a warmup.
#pragma once

#include <cstdint>
#include <string>

namespace ekt {

struct LrSchedule {
  enum class Kind { kLinear, kCosine, kConstant };
  Kind kind = Kind::kLinear;
  double base_lr = 0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;  // decay reaches 0 here (linear, cosine); unused for constant

  // "linear", "cosine", "constant"; throws for anything else.
  static Kind parse_kind(const std::string& name);
  static const char* kind_name(Kind kind);

  // Multiplier of base_lr for the update that follows `done` completed updates.
  double factor(int64_t done) const;
  double lr(int64_t done) const { return base_lr * factor(done); }
};

}  // namespace ekt
