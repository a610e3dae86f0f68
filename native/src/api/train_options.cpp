// Trainer options from the JSON of ekt_trainer_create, validated field by field.
#include <cmath>

#include "device/placement.h"
#include "error.h"
#include "api/json_options.h"
#include "training/trainer.h"

namespace ekt {

TrainerOptions TrainerOptions::parse(const nlohmann::json& j) {
  EKT_CHECK(j.is_object(), "trainer options must be a JSON object, got " << j.dump());
  for (const auto& [key, value] : j.items()) {
    static const char* known[] = {"beta1", "beta2", "eps", "weight_decay", "schedule", "lr", "warmup_steps",
                                  "total_steps", "max_grad_norm", "micro_batch", "kd_weight", "kd_temperature",
                                  "workers", "precision", "checkpoint_activations"};
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    EKT_CHECK(ok, "unknown trainer option '" << key << "'");
  }
  const JsonOptions in(j, "trainer option");
  TrainerOptions o;
  // Every field is required (ekt/train_api.h): the values, and their defaults, are the caller's.
  o.adamw.beta1 = in.require<double>("beta1");
  o.adamw.beta2 = in.require<double>("beta2");
  o.adamw.eps = in.require<double>("eps");
  o.adamw.weight_decay = in.require<double>("weight_decay");
  o.schedule.kind = LrSchedule::parse_kind(in.require<std::string>("schedule"));
  o.schedule.base_lr = in.require<double>("lr");
  o.schedule.warmup_steps = in.require<int64_t>("warmup_steps");
  o.schedule.total_steps = in.require<int64_t>("total_steps");
  o.max_grad_norm = in.require<double>("max_grad_norm");
  o.micro_batch = in.require<int64_t>("micro_batch");
  o.kd_weight = in.require<double>("kd_weight");
  o.kd_temperature = in.require<double>("kd_temperature");
  o.workers = in.require<int>("workers");
  o.precision = parse_dtype(in.require<std::string>("precision"));
  o.checkpoint_activations = in.require<bool>("checkpoint_activations");
  EKT_CHECK(o.schedule.base_lr >= 0 && std::isfinite(o.schedule.base_lr), "lr must be a non-negative number, got " << o.schedule.base_lr);
  EKT_CHECK(o.schedule.warmup_steps >= 0, "warmup_steps must be non-negative");
  EKT_CHECK(o.schedule.kind == LrSchedule::Kind::kConstant || o.schedule.total_steps > 0,
            "a " << LrSchedule::kind_name(o.schedule.kind) << " schedule needs total_steps > 0");
  EKT_CHECK(o.micro_batch >= 0, "micro_batch must be non-negative, got " << o.micro_batch);
  EKT_CHECK(o.kd_temperature > 0, "kd_temperature must be positive, got " << o.kd_temperature);
  EKT_CHECK(o.precision != torch::kFloat16,
            "training precision float16 is not supported (it needs dynamic loss scaling); use bfloat16 or float32");
  EKT_CHECK(o.workers >= 0, "workers must be non-negative (0 = the core's thread count), got " << o.workers);
  return o;
}

nlohmann::json TrainerOptions::to_json() const {
  return {{"lr", schedule.base_lr}, {"schedule", LrSchedule::kind_name(schedule.kind)},
          {"warmup_steps", schedule.warmup_steps}, {"total_steps", schedule.total_steps},
          {"beta1", adamw.beta1}, {"beta2", adamw.beta2}, {"eps", adamw.eps}, {"weight_decay", adamw.weight_decay},
          {"max_grad_norm", max_grad_norm}, {"micro_batch", micro_batch},
          {"kd_weight", kd_weight}, {"kd_temperature", kd_temperature}, {"workers", workers},
          {"precision", dtype_label(precision)}, {"checkpoint_activations", checkpoint_activations}};
}

}  // namespace ekt
