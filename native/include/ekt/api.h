/*
 * The only header the Java layer sees (through JavaCPP). No torch types cross this boundary:
 * opaque handles, plain pointers and sizes. Every call is coarse (a whole forward, a whole
 * generation batch, a whole train step) so JNI overhead never shows in a profile.
 *
 * Errors: functions returning int give 0 on success and -1 on failure; functions returning a
 * handle give NULL on failure. ekt_last_error() then holds the message (thread-local). No C++
 * exception ever escapes into the JVM.
 */
#ifndef EKT_API_H
#define EKT_API_H

#include <stdint.h>

#if defined(EKT_BUILDING_CORE)
#define EKT_API __attribute__((visibility("default")))
#else
#define EKT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ekt_model ekt_model;

/* Message of the last failed call on this thread ("" if none). */
EKT_API const char* ekt_last_error(void);

/* JSON: libtorch version, CUDA availability, thread count. */
EKT_API const char* ekt_runtime_info(void);

/* Intra-op threads used by every kernel of the core (libtorch + BLAS). */
EKT_API int ekt_set_num_threads(int threads);

/* 0 if `device` ("cpu", "cuda", "cuda:1", ...) can be used by this process; otherwise -1 and
 * ekt_last_error() says why (no CUDA in this libtorch, no GPU visible, index out of range). */
EKT_API int ekt_check_device(const char* device);

/* Loads a Hugging Face checkpoint directory (config.json + model.safetensors, or a sharded
 * index, or pytorch_model.bin the same ways). device: "cpu", "cuda", "cuda:1", ... dtype: "float32"
 * (also when NULL), "bfloat16" or "float16": the weights are converted to it and every forward
 * computes in it (attention scores, softmax and norms in float32, as Hugging Face does). */
EKT_API ekt_model* ekt_model_load(const char* dir, const char* device, const char* dtype);

EKT_API void ekt_model_free(ekt_model* model);

/* JSON description (architecture, parameter count, dtypes, context length, ...). The string
 * is owned by the model and valid until ekt_model_free. */
EKT_API const char* ekt_model_info(ekt_model* model);

/* Forward pass over a batch.
 *   ids, mask: batch*seq row-major; mask[i] != 0 marks a real token (0 = padding).
 *   Positions are counted over real tokens only, so left and right padding both work.
 *   last_only != 0: logits of each row's last real token, batch*vocab floats;
 *   otherwise logits of every position, batch*seq*vocab floats.
 *   logits_len: capacity of logits in floats (checked). */
EKT_API int ekt_model_forward(ekt_model* model, const int64_t* ids, const uint8_t* mask,
                              int64_t batch, int64_t seq, int last_only,
                              float* logits, int64_t logits_len);

/* Writes config.json + model.safetensors + generation_config.json into dir, creating it; files are
 * written to temporary names and renamed, so a crash never leaves a half-written checkpoint.
 * dtype: "float32", "bfloat16" or "float16" for the tensors (and config.json's torch_dtype);
 * NULL: the model's. */
EKT_API int ekt_model_save(ekt_model* model, const char* dir, const char* dtype);

/* Writes every tensor of src_dir's weight files (model.safetensors or pytorch_model.bin, single or
 * sharded) into dst_dir/model.safetensors in its stored dtype; other files are not copied. */
EKT_API int ekt_checkpoint_convert(const char* src_dir, const char* dst_dir);

#ifdef __cplusplus
}
#endif

#endif
