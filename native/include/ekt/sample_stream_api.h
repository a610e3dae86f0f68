/*
 * Serving on the sampling engine (JavaCPP sees this header): prompts with their own sampling
 * settings join a running sampler between decode steps (continuous batching), every drawn token
 * comes back as an event (streaming), and a prompt can be cancelled. The sampler is created by
 * ekt_sampler_create with "token_events": true. Errors follow ekt/api.h.
 *
 * One engine thread owns the sampler: add, cancel, run and take between runs; each call covers
 * every request at once, so JNI is crossed a few times per decode step, never per token.
 */
#ifndef EKT_SAMPLE_STREAM_API_H
#define EKT_SAMPLE_STREAM_API_H

#include "ekt/sample_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Queues one prompt of `length` ids with its random-stream key and its own options (JSON, every
 * field optional, the sampler's options otherwise): "n", "temperature", "top_k", "top_p",
 * "max_new_tokens" (at most the sampler's), "seed", "eos_token_id", "stop_tokens",
 * "stop_strings" (as in ekt_sampler_create), "top_logprobs": the k most likely tokens to report
 * with every drawn token (0). Writes the prompt's index to *index. */
EKT_API int ekt_sampler_add_prompt(ekt_sampler* sampler, const int64_t* ids, int64_t length, int64_t key,
                                   const char* options_json, int64_t* index);

/* Drops the prompt's samples: unstarted ones never start, running ones leave the batch before
 * the next decode step; none of them produces further events. */
EKT_API int ekt_sampler_cancel(ekt_sampler* sampler, int64_t prompt);

/* Token events not taken yet. */
EKT_API int ekt_sampler_events_ready(ekt_sampler* sampler, int64_t* events);

/* Moves the first `events` token events into the buffers: per event its prompt, sample, token,
 * logprob (raw log-softmax) and finish (-1: the sample goes on; else 0 length, 1 eos, 2 stop:
 * this token is its last), then top_cap alternatives (ids, logprobs; -1 / 0 past the prompt's
 * top_logprobs) in top_ids / top_logprobs (events * top_cap each). */
EKT_API int ekt_sampler_take_events(ekt_sampler* sampler, int64_t events, int64_t* prompt, int64_t* sample,
                                    int64_t* token, float* logprob, int32_t* finish, int64_t top_cap,
                                    int64_t* top_ids, float* top_logprobs);

/* Scores a token sequence: logprobs[t] (t = 1 .. length-1) is the raw log-probability of ids[t]
 * after ids[0..t), and the top_n most likely tokens at that position go to
 * top_ids / top_logprobs[t * top_n ..] (position 0 has no context: NaN, -1). */
EKT_API int ekt_model_score(ekt_model* model, const int64_t* ids, int64_t length, int64_t top_n, float* logprobs,
                            int64_t* top_ids, float* top_logprobs);

#ifdef __cplusplus
}
#endif

#endif
