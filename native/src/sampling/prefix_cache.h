// Keys/values of a sampling batch, with each prompt's stored once for all its samples.
//
// Group slot g holds the keys/values of one prompt (its "prefix", L_g tokens at slots
// [0, L_g), position = slot). Row slot r holds the keys/values of the tokens one sample has
// generated (slot j = position L_g + j). Live groups occupy slots [0, G), live rows [0, R): the
// generator moves the last one into a freed slot, so every step works on plain narrowed views.
//
// A decode step (DecodeBatch) splits attention into two exact softmax
// parts merged by their log-sum-exp: the prompt part runs per group over all of the group's rows
// (the prompt's keys are read once per group, not once per sample, which is where sharing a
// prompt among 100 samples pays off), the generated part per row over the row's own keys.
#pragma once

#include <map>
#include <vector>

#include "models/model.h"

namespace ekt {

struct CacheShape {
  int64_t groups = 0;          // group slots
  int64_t prompt_tokens = 0;   // prefix slots per group
  int64_t rows = 0;            // row slots
  int64_t decode_tokens = 0;   // generated-token slots per row
};

class PrefixCache {
 public:
  PrefixCache(const ModelConfig& config, const CacheShape& shape, const torch::TensorOptions& options);

  const CacheShape& shape() const { return shape_; }
  const torch::TensorOptions& options() const { return options_; }
  // Bytes of keys/values per token (all layers, keys and values).
  static int64_t bytes_per_token(const ModelConfig& config, const torch::TensorOptions& options);

  // Copies row `row` of a left-padded prefill cache (its last `length` slots) into group `group`.
  void store_prompt(int64_t group, const KvCache& prefill, int64_t row, int64_t length);
  void move_group(int64_t from, int64_t to, int64_t length);
  void move_row(int64_t from, int64_t to, int64_t decoded);
  // Widens every group to `prompt_tokens` prompt slots, keeping each live group's first group_length[g].
  void grow_prompt_tokens(int64_t prompt_tokens, const std::vector<int64_t>& group_length);
  // Widens every row to `decode_tokens` generated-token slots, keeping each live row's first row_decoded[r].
  void grow_decode_tokens(int64_t decode_tokens, const std::vector<int64_t>& row_decoded);

  // Per layer: prompt keys/values (groups, Hkv, prompt_tokens, D), generated (rows, Hkv, decode_tokens, D).
  std::vector<torch::Tensor> prefix_k, prefix_v, row_k, row_v;

 private:
  CacheShape shape_;
  torch::TensorOptions options_;
};

// How DecodeBatch::attend computes: the CPU kernel (decode_attention_cpu.h; torch ops on other
// devices or dtypes and under EKT_KERNELS=portable), torch ops, or the per-row gathered
// fallback. Tests compare all three.
enum class AttentionPath { kernel, torch, gather };

// A run of `steps` decode steps over the live rows [0, R) of a PrefixCache: the attention
// backend the model runs with. Row r belongs to group row_group[r] and has row_decoded[r]
// generated tokens in its slots already; group g has group_length[g] prompt tokens. Every step
// of the run sees the same shapes (generated keys up to the run's last step, the later ones
// masked) and the same tensors, advanced in place, so one captured step replays for the others.
class DecodeBatch final : public AttentionBackend {
 public:
  DecodeBatch(PrefixCache& cache, AttentionPath path, const std::vector<int64_t>& row_group,
              const std::vector<int64_t>& row_decoded, const std::vector<int64_t>& group_length, int64_t steps);
  const torch::Tensor& positions() const { return positions_; }  // (R, 1)
  // To the next step: every row one token further.
  void advance();

  torch::Tensor attend(size_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       int64_t window, double divide_by) override;
  std::pair<torch::Tensor, torch::Tensor> keys_values(size_t layer, const torch::Tensor& k, const torch::Tensor& v) override;
  const torch::Tensor& allowed(int64_t window) override;

 private:
  void write(size_t layer, const torch::Tensor& k, const torch::Tensor& v);
  torch::Tensor attend_cpu(size_t layer, const torch::Tensor& q, int64_t window, double divide_by);
  torch::Tensor attend_torch(size_t layer, const torch::Tensor& q, int64_t kv_heads, int64_t window, double divide_by);
  torch::Tensor own(const std::vector<torch::Tensor>& per_layer, size_t layer) const;  // (R, Hkv, Sd, D)
  void build_grouped_layout();  // row_slot_, row_group_, slot_pos_, slot_len_ (torch and gather paths)
  const torch::Tensor& prefix_blocked(int64_t window);  // (G, 1, 1, M, Sp) bool
  const torch::Tensor& decode_blocked(int64_t window);  // (R, 1, 1, Sd) bool

  PrefixCache& cache_;
  AttentionPath path_;
  // R rows, G groups (all live groups, some maybe without rows here), at most M rows per group;
  // prompt keys [0, Sp), generated keys [0, Sd). The grouped layout of the torch path puts row i
  // at slot row_slot[i] = g * M + rank.
  int64_t rows_, groups_, per_group_ = 0, prefix_len_ = 0, decode_len_ = 0;
  torch::Tensor positions_;    // (R, 1) int64
  torch::Tensor row_index_;    // (R,) 0..R-1
  torch::Tensor write_slot_;   // (R,) slot of the new token = generated tokens so far
  torch::Tensor row_slot_;     // (R,) slot in the grouped layout
  torch::Tensor row_group_;    // (R,)
  torch::Tensor slot_pos_, slot_len_;  // (G*M, 1): query position and prompt length per grouped slot
  std::map<int64_t, torch::Tensor> prefix_blocked_, decode_blocked_, allowed_;
  // The same layout on the host (the CPU kernel reads it): rows by group (CSR), per row its
  // group, rank within the group, newest slot and position.
  std::vector<int64_t> group_start_, group_rows_, group_length_, row_group_host_, row_rank_, row_newest_, row_position_;
};

}  // namespace ekt
