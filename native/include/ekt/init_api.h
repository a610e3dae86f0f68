/*
 * Randomly initialised models (benchmarks, tests, training from scratch); see api.h for the
 * error conventions.
 */
#ifndef EKT_INIT_API_H
#define EKT_INIT_API_H

#include "ekt/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A model from a Hugging Face config.json text with Hugging Face-style initial weights:
 * matrices normal(0, 0.02), biases 0, normalisation weights 1. The same seed gives the same
 * weights on every device. NULL on failure. */
EKT_API ekt_model* ekt_model_init(const char* config_json, uint64_t seed, const char* device);

#ifdef __cplusplus
}
#endif

#endif
