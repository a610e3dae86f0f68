/*
 * The sampling engine (JavaCPP sees this header). A sampler is a session over one model and one
 * set of sampling options: queue prompts, run decode steps in coarse chunks, take finished
 * samples. Errors follow ekt/api.h (0 / -1 / NULL, then ekt_last_error()).
 *
 * Reproducibility: the k-th token of sample j of a prompt is drawn with the uniform
 * Philox4x64-10(key = (seed, prompt key), counter = (k, j, 0, 0)), so a sample depends on
 * (model, options, seed, prompt key, prompt tokens, j) and not on batch size, order or sharding
 * (up to float rounding differences between batch shapes, which can only flip a draw that lands
 * within ~1e-6 of a token boundary).
 *
 * Log-probabilities: for every generated token, the log-softmax of the model's raw logits
 * (temperature 1, no top-k/top-p) at that token.
 */
#ifndef EKT_SAMPLE_API_H
#define EKT_SAMPLE_API_H

#include "ekt/api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ekt_sampler ekt_sampler;

/* options_json: every field required (a missing one fails, naming it; the defaults are the
 * caller's, e.g. Java's SamplingOptions) except eos_token_id and token_events:
 *   "n": samples per prompt, "temperature": 0 = greedy, "top_k": 0 = off, "top_p",
 *   "max_new_tokens", "seed": unsigned 64-bit,
 *   "eos_token_id": optional; absent = the model config's; -1 = none,
 *   "stop_tokens": [[id, ...], ...]  stop once the generated ids end with one of these,
 *   "stop_strings": ["text", {"start": "\nanswer", "end": "\n"}, ...]  see ekt_sampler_set_vocab,
 *   "share_prompt": true, or false: every sample prefills its own copy of the prompt (the naive
 *     baseline), "max_batch": rows decoded together, "memory_budget_mb": caches and
 *     activations (0 = min(8 GiB, RAM / 4) on the CPU, 90% of the free memory on a GPU); the
 *     batch shrinks to fit it, and a request whose
 *     single sample does not fit fails with a message, "attention": "shared" (a CPU kernel,
 *     torch ops on other devices) | "torch" (torch ops) | "gather" (per-row gathered keys, the
 *     path of architectures that do not call AttentionContext::attend),
 *   "steps_per_sync": decode steps between the host's stop checks and refills (0 = 1 on the
 *     CPU, 8 on a GPU; the samples are the same for every value),
 *   "cuda_graphs": on a GPU, replay each run's decode step as a captured CUDA graph (ignored on
 *     the CPU),
 *   "token_events": optional (false).
 * The model must outlive the sampler. */
EKT_API ekt_sampler* ekt_sampler_create(ekt_model* model, const char* options_json);
EKT_API void ekt_sampler_free(ekt_sampler* sampler);

/* Token -> bytes table (token t is bytes[offsets[t] .. offsets[t+1]), vocab + 1 offsets), needed
 * for stop strings and for text_bytes. Call before the first ekt_sampler_run. A string rule
 * {"start": s, "end": e} stops after the first e following the first s in the generated text
 * (plain "text" = {"start": "text", "end": ""}); the sample keeps the tokens up to the one that
 * completed the match, and text_bytes cuts its text right after the match. */
EKT_API int ekt_sampler_set_vocab(ekt_sampler* sampler, const uint8_t* bytes, const int64_t* offsets, int64_t vocab);

/* Queues `count` prompts: lengths[i] ids each, concatenated in ids; keys[i] is prompt i's random
 * stream key (an unsigned 64-bit value passed as int64). Prompts are numbered in submission
 * order across calls, from 0. */
EKT_API int ekt_sampler_add(ekt_sampler* sampler, const int64_t* ids, const int64_t* lengths, const int64_t* keys,
                            int64_t count);

/* Runs decode steps (prefilling prompts as rows free up) until at least max_steps have run or
 * nothing is left; steps run in whole runs of up to steps_per_sync. Returns 1 while samples
 * remain, 0 when every queued sample has finished, -1 on error. */
EKT_API int ekt_sampler_run(ekt_sampler* sampler, int64_t max_steps);

/* Finished samples not taken yet: their count and total token count. */
EKT_API int ekt_sampler_ready(ekt_sampler* sampler, int64_t* samples, int64_t* tokens);

/* Moves the first `samples` finished samples (at most ekt_sampler_ready's count) into the
 * buffers: per sample its prompt index, sample index, finish (0 length, 1 eos, 2 stop), token
 * count, text_bytes (-1 without a vocab table) and seconds from its first to its last token;
 * tokens and logprobs concatenated (capacity tokens_cap). */
EKT_API int ekt_sampler_take(ekt_sampler* sampler, int64_t samples, int64_t* prompt, int64_t* sample, int32_t* finish,
                             int64_t* length, int64_t* text_bytes, double* seconds, int64_t* tokens, float* logprobs,
                             int64_t tokens_cap);

/* JSON counters: decode steps and tokens, prefill tokens, seconds, ms per step, rows and groups
 * of the memory plan. Owned by the sampler, valid until the next call on it. */
EKT_API const char* ekt_sampler_stats(ekt_sampler* sampler);

#ifdef __cplusplus
}
#endif

#endif
