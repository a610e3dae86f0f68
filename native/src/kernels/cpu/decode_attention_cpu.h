// Decode-step attention on the CPU (float32) over PrefixCache's layout, in one pass per
// (group, key/value head): each tile of the prompt's keys is loaded once and serves every query
// row of the group, then each row adds its own generated keys; one online softmax per query.
//
// Why not torch ops: libtorch's CPU bmm runs one BLAS call (plus several tensor views) per
// batch item, and a decode step has rows x heads tiny items per layer; that overhead was most of
// the step time at batch 64.
#pragma once

#include <cstdint>

namespace ekt {

struct DecodeAttentionArgs {
  int64_t rows = 0, heads = 0, kv_heads = 0, head_dim = 0;
  const float* q = nullptr;  // (R, H, D) contiguous
  float scale = 1.0f;        // attention logits are scale * q.k
  float* out = nullptr;      // (R, H, D)
  // Prompt keys/values: group g, kv head h at prefix_k + g * prefix_group_stride + h * prefix_head_stride, (S, D) rows.
  const float *prefix_k = nullptr, *prefix_v = nullptr;
  int64_t prefix_group_stride = 0, prefix_head_stride = 0;
  // Generated keys/values: row r, kv head h at own_k + r * own_row_stride + h * own_head_stride.
  const float *own_k = nullptr, *own_v = nullptr;
  int64_t own_row_stride = 0, own_head_stride = 0;
  // Rows by group (CSR): group g's rows are group_rows[group_start[g] .. group_start[g + 1]).
  int64_t groups = 0;
  const int64_t* group_start = nullptr;
  const int64_t* group_rows = nullptr;
  const int64_t* group_length = nullptr;  // (G,) prompt tokens
  const int64_t* row_newest = nullptr;    // (R,) slot of the row's newest generated key (its own token)
  const int64_t* row_position = nullptr;  // (R,) position of the query
  int64_t window = 0;                     // > 0: keys at positions > query position - window only
};

void decode_attention_cpu(const DecodeAttentionArgs& args);

}  // namespace ekt
