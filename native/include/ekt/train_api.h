/*
 * Fine-tuning through the core (see api.h for the error conventions). A trainer updates the
 * weights of a student ekt_model in place, so the same handle can be saved or sampled from
 * afterwards; the model must outlive the trainer. One call = one optimizer step over an
 * effective batch that the core splits into micro-batches (gradient accumulation).
 *
 * Batch arrays are rows*seq, row-major:
 *   ids      token ids fed to the model
 *   targets  the token position t should predict (usually ids shifted left by one)
 *   valid    non-zero for real tokens (attention mask); distillation covers these positions
 *   weights  loss weight of predicting targets[t] at t (0 = not in the loss)
 * Loss = sum(weights * CE) / sum(weights) + kd_weight * mean over valid positions of
 * KL(teacher || student), both normalised over the whole effective batch.
 */
#ifndef EKT_TRAIN_API_H
#define EKT_TRAIN_API_H

#include "ekt/api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ekt_trainer ekt_trainer;

/* Layout of the metrics array the step functions fill (doubles). */
enum {
  EKT_METRIC_STEP = 0,            /* optimizer steps completed */
  EKT_METRIC_LOSS = 1,            /* ce_loss + kd_weight * kd_loss */
  EKT_METRIC_CE_LOSS = 2,         /* weighted mean cross-entropy */
  EKT_METRIC_KD_LOSS = 3,         /* mean KL over valid positions (0 without a teacher) */
  EKT_METRIC_GRAD_NORM = 4,       /* global gradient norm before clipping (0 for evaluate) */
  EKT_METRIC_LR = 5,              /* learning rate of this update */
  EKT_METRIC_LOSS_TOKENS = 6,     /* sum of the loss weights */
  EKT_METRIC_KD_TOKENS = 7,       /* positions in the KL term */
  EKT_METRIC_COMPUTED_TOKENS = 8, /* positions the forward ran over */
  EKT_METRIC_FLOPS = 9,           /* model FLOPs of the call */
  EKT_METRIC_SECONDS = 10,        /* wall time of the call */
  EKT_METRIC_COUNT = 11
};

/* options_json: {"lr", "schedule": "linear"|"cosine"|"constant", "warmup_steps", "total_steps",
 * "beta1", "beta2", "eps", "weight_decay", "max_grad_norm", "micro_batch", "kd_weight",
 * "kd_temperature", "workers", "precision", "checkpoint_activations"}, every field required (a
 * missing one fails, naming it; the defaults are the caller's, e.g. Java's TrainConfig). "workers"
 * (0 = the intra-op thread count) > 1 splits each micro-batch across that many threads
 * running single-threaded kernels (CPU only; other devices run one). "precision": "float32"
 * or "bfloat16" (mixed precision: bfloat16 products, float32 master weights, AdamW
 * state, softmax, norms and loss; the student must be loaded in float32). teacher may be NULL. */
EKT_API ekt_trainer* ekt_trainer_create(ekt_model* student, ekt_model* teacher, const char* options_json);

EKT_API void ekt_trainer_free(ekt_trainer* trainer);

/* JSON: the options in effect, steps done, parameters (name, shape, decay), FLOP constants.
 * Owned by the trainer, valid until the next call on it. */
EKT_API const char* ekt_trainer_info(ekt_trainer* trainer);

/* One optimizer step. A non-finite loss or gradient fails before any weight changes. */
EKT_API int ekt_trainer_step(ekt_trainer* trainer, const int64_t* ids, const int64_t* targets, const uint8_t* valid,
                             const float* weights, int64_t rows, int64_t seq, double* metrics, int64_t metrics_len);

/* The loss of a batch, no gradients, no update. */
EKT_API int ekt_trainer_evaluate(ekt_trainer* trainer, const int64_t* ids, const int64_t* targets, const uint8_t* valid,
                                 const float* weights, int64_t rows, int64_t seq, double* metrics, int64_t metrics_len);

/* Computes the normalised, unclipped gradient of the loss and keeps it for
 * ekt_trainer_gradient; no update. */
EKT_API int ekt_trainer_gradients(ekt_trainer* trainer, const int64_t* ids, const int64_t* targets, const uint8_t* valid,
                                  const float* weights, int64_t rows, int64_t seq, double* metrics, int64_t metrics_len);

/* Copies the gradient of parameter `name` (Hugging Face name) into out (len floats). */
EKT_API int ekt_trainer_gradient(ekt_trainer* trainer, const char* name, float* out, int64_t len);

/* Writes a resumable checkpoint directory atomically (dir.tmp, then rename): config.json,
 * model.safetensors, optimizer.safetensors, trainer_state.json; run_state_json (the caller's
 * data position, seeds, settings) is stored under "run". */
EKT_API int ekt_trainer_save(ekt_trainer* trainer, const char* dir, const char* run_state_json);

/* Loads weights, optimizer state and step count from a checkpoint directory. Returns its
 * trainer_state.json (owned by the trainer, valid until the next call on it), NULL on failure. */
EKT_API const char* ekt_trainer_restore(ekt_trainer* trainer, const char* dir);

#ifdef __cplusplus
}
#endif

#endif
