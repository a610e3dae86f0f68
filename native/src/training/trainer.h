// Full-parameter fine-tuning of a CausalLM: one call = one optimizer step over an effective
// batch, split into micro-batches (gradient accumulation) inside the core. Each position's
// loss weight comes from the caller, so the masking policy (all tokens, completion only, no
// padding) lives with the data and the core just computes
//   loss = sum(w * CE) / sum(w)  +  kd_weight * sum_valid(KL(teacher || student)) / count(valid)
// normalised over the whole effective batch, so micro-batch size never changes the gradient.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "models/model.h"
#include "training/optimizer.h"
#include "training/schedule.h"

namespace ekt {

// One effective batch, (N, T) each, on the CPU. Position t of row n predicts targets[n, t]
// with loss weight weights[n, t] (0 = no loss). valid marks real tokens (attention mask);
// distillation covers the valid positions.
struct TrainBatch {
  torch::Tensor ids, targets;  // int64
  torch::Tensor valid;         // bool
  torch::Tensor weights;       // float32
};

struct TrainerOptions {
  AdamWOptions adamw;
  LrSchedule schedule;
  // Every value is the caller's (parse() requires each field; the defaults live on the Java side).
  double max_grad_norm = 0;  // <= 0 disables clipping
  int64_t micro_batch = 0;     // rows per forward/backward; 0 = the whole batch at once
  double kd_weight = 0;        // coefficient of the KL term (teacher runs only)
  double kd_temperature = 0;
  // Data-parallel worker threads; 0 = the core's intra-op thread count. With more than one,
  // each micro-batch is split across them and every kernel inside runs single-threaded
  // (single-threaded GEMMs on separate cores scale, one multi-threaded GEMM does not); with
  // one, kernels use the intra-op threads. Results are deterministic for a given count (a
  // bit-exact resume needs the same count). Off the CPU (and under EKT_KERNELS=portable) there
  // is one worker: a GPU runs one stream of large kernels.
  int workers = 0;
  // float32, or bfloat16 for mixed precision: matrix products in bfloat16 (autocast), while the
  // parameters (master weights), gradients, AdamW state, softmax, norms, attention scores and
  // the loss stay float32.
  torch::ScalarType precision = torch::kFloat32;
  // Keep only each transformer block's input for backward and recompute the block there
  // (checkpoint_activations.h): about one more forward of compute for activation memory that
  // no longer scales with the layer count. Results equal the plain run's up to rounding.
  bool checkpoint_activations = false;

  static TrainerOptions parse(const nlohmann::json& json);
  nlohmann::json to_json() const;
};

struct StepMetrics {
  int64_t step = 0;            // optimizer steps completed after this call
  double loss = 0, ce_loss = 0, kd_loss = 0;
  double grad_norm = 0;        // before clipping
  double lr = 0;               // learning rate used by this update
  double loss_tokens = 0;      // sum of the CE weights
  double kd_tokens = 0;        // positions in the KL term
  int64_t computed_tokens = 0; // positions the forward ran over (micro-batch padding included)
  double flops = 0;            // model FLOPs done (6N per token + attention, teacher included)
  double seconds = 0;
};

class Trainer {
 public:
  // The student's parameters get requires_grad for the trainer's lifetime. The teacher, if
  // any, runs forward only; it may have a larger vocabulary (sliced to the student's).
  Trainer(CausalLM& student, CausalLM* teacher, TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Forward + backward over every micro-batch, gradient clipping, AdamW, schedule advance.
  // A non-finite loss or gradient throws before anything is updated.
  StepMetrics step(const TrainBatch& batch);
  // The same loss without gradients or updates.
  StepMetrics evaluate(const TrainBatch& batch);
  // Leaves the normalised, unclipped gradient of the loss in each parameter's grad().
  StepMetrics compute_gradients(const TrainBatch& batch);

  // Writes dir/ atomically (built in dir.tmp/, then renamed): config.json, model.safetensors,
  // optimizer.safetensors, trainer_state.json (which also carries `run_state`, the caller's
  // data position, seeds and settings).
  void save(const std::string& dir, const nlohmann::json& run_state) const;
  // Loads weights, optimizer moments and step count from a directory written by save();
  // returns its trainer_state.json.
  nlohmann::json restore(const std::string& dir);

  int64_t steps() const { return optimizer_.steps(); }
  // The student's parameter of that Hugging Face name, or nullptr.
  const Param* param(const std::string& name) const;
  const TrainerOptions& options() const { return options_; }
  // Options, parameters (name, shape, decayed or not) and FLOP constants, for ekt_trainer_info.
  nlohmann::json describe() const;

 private:
  StepMetrics run(const TrainBatch& batch, bool backward);

  CausalLM& student_;
  CausalLM* teacher_;
  TrainerOptions options_;
  AdamW optimizer_;
  std::vector<torch::Tensor> param_tensors_;  // the student's parameters, in params() order
};

}  // namespace ekt
