#include "kernels/cpu/decode_attention_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace ekt {
namespace {

// Keys per tile: 64 keys and values of head_dim 64 take 32 KiB, about L1.
constexpr int64_t kTile = 64;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// The loops below are written so the compiler vectorizes them; one clone per ISA, picked at
// load time (the core is built for baseline x86-64).
#define EKT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// x[i] = exp(x[i]) for x[i] <= 0: Cephes' expf (Cody-Waite reduction, degree-6 polynomial,
// relative error ~2e-7), branch-free. Arguments below -87 are clamped (exp < 2e-38 there).
EKT_VECTOR_CLONES void exp_nonpositive(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = std::max(x[i], -87.0f);
    const float k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(v / ln 2)
    const float r = v - k * 0.693359375f + k * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * r * r + r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;  // 2^k
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    x[i] = y * scale;
  }
}

// 16 floats; each clone below compiles it to its ISA's registers (one zmm, two ymm, four xmm).
typedef float Vec16 __attribute__((vector_size(64)));
#define EKT_LOAD16(v, p) std::memcpy(&(v), (p), sizeof(Vec16))
#define EKT_STORE16(p, v) std::memcpy((p), &(v), sizeof(Vec16))

// out[j] = q . k[j] for n keys of dimension d stored as rows (fixed summation order).
EKT_VECTOR_CLONES void dot_keys(const float* __restrict__ q, const float* __restrict__ k, int64_t n, int64_t d,
                                float* __restrict__ out) {
  for (int64_t j = 0; j < n; ++j) {
    const float* kj = k + j * d;
    Vec16 acc = {}, x, y;
    int64_t i = 0;
    for (; i + 16 <= d; i += 16) {
      EKT_LOAD16(x, q + i);
      EKT_LOAD16(y, kj + i);
      acc += x * y;
    }
    float sum = 0;
    for (int l = 0; l < 16; ++l) sum += acc[l];
    for (; i < d; ++i) sum += q[i] * kj[i];
    out[j] = sum;
  }
}

// out[j - first] = q . k[j] for keys j in [first, n) of a tile stored transposed
// (kt[i * kTile + j]): vectorized across keys, the tile's 64 sums held in registers, no
// horizontal sums. Prompt tiles are transposed once and used by every row of the group.
EKT_VECTOR_CLONES void dot_keys_transposed(const float* __restrict__ q, const float* __restrict__ kt, int64_t first,
                                           int64_t n, int64_t d, float* __restrict__ out) {
  static_assert(kTile == 64, "four vectors of 16 sums");
  Vec16 s0 = {}, s1 = {}, s2 = {}, s3 = {}, x;
  for (int64_t i = 0; i < d; ++i) {
    const float qi = q[i];
    const float* row = kt + i * kTile;
    EKT_LOAD16(x, row);
    s0 += qi * x;
    EKT_LOAD16(x, row + 16);
    s1 += qi * x;
    EKT_LOAD16(x, row + 32);
    s2 += qi * x;
    EKT_LOAD16(x, row + 48);
    s3 += qi * x;
  }
  float sum[kTile];
  EKT_STORE16(sum, s0);
  EKT_STORE16(sum + 16, s1);
  EKT_STORE16(sum + 32, s2);
  EKT_STORE16(sum + 48, s3);
  for (int64_t j = first; j < n; ++j) out[j - first] = sum[j];
}

void transpose_tile(const float* k, int64_t n, int64_t d, float* kt) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < d; ++i) kt[i * kTile + j] = k[j * d + i];
}

// acc[0..d) += sum_j p[j] * v[j]: each 16 lanes of acc stay in a register across the n values.
EKT_VECTOR_CLONES void accumulate_values(const float* __restrict__ p, const float* __restrict__ v, int64_t n, int64_t d,
                                         float* __restrict__ acc) {
  int64_t i = 0;
  for (; i + 16 <= d; i += 16) {
    Vec16 lanes, x;
    EKT_LOAD16(lanes, acc + i);
    for (int64_t j = 0; j < n; ++j) {
      EKT_LOAD16(x, v + j * d + i);
      lanes += p[j] * x;
    }
    EKT_STORE16(acc + i, lanes);
  }
  for (; i < d; ++i)
    for (int64_t j = 0; j < n; ++j) acc[i] += p[j] * v[j * d + i];
}

// One query's online softmax: running max, running sum, unnormalised output.
struct Query {
  const float* q;
  float* acc;
  float max = kNegInf, sum = 0;
};

// Folds n keys with these q.k (overwritten) and their values (n rows of d) into the query.
void fold(Query& query, float scale, float* scores, const float* values, int64_t n, int64_t d) {
  for (int64_t j = 0; j < n; ++j) scores[j] *= scale;
  const float tile_max = *std::max_element(scores, scores + n);
  if (tile_max > query.max) {
    const float rescale = query.max == kNegInf ? 0.0f : std::exp(query.max - tile_max);
    query.sum *= rescale;
    for (int64_t i = 0; i < d; ++i) query.acc[i] *= rescale;
    query.max = tile_max;
  }
  for (int64_t j = 0; j < n; ++j) scores[j] -= query.max;
  exp_nonpositive(scores, n);
  for (int64_t j = 0; j < n; ++j) query.sum += scores[j];
  accumulate_values(scores, values, n, d, query.acc);
}

// Folds a row's generated keys [from, to) (rows of d) into the query, tile by tile.
void fold_own_keys(Query& query, float scale, const float* keys, const float* values, int64_t from, int64_t to, int64_t d,
                   float* scores) {
  for (int64_t lo = from; lo < to; lo += kTile) {
    const int64_t n = std::min(kTile, to - lo);
    dot_keys(query.q, keys + lo * d, n, d, scores);
    fold(query, scale, scores, values + lo * d, n, d);
  }
}

}  // namespace

void decode_attention_cpu(const DecodeAttentionArgs& a) {
  const int64_t rep = a.heads / a.kv_heads, d = a.head_dim;
  // One item per (group, kv head): its queries are the group's rows x the `rep` query heads
  // sharing that kv head.
  at::parallel_for(0, a.groups * a.kv_heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> acc, scores(kTile), tile(static_cast<size_t>(kTile * d), 0.0f);
    std::vector<Query> queries;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t g = item / a.kv_heads, kv = item % a.kv_heads;
      const int64_t* rows = a.group_rows + a.group_start[g];
      const int64_t count = a.group_start[g + 1] - a.group_start[g];
      if (count == 0) continue;
      acc.assign(static_cast<size_t>(count * rep * d), 0.0f);
      queries.clear();
      for (int64_t i = 0; i < count; ++i)
        for (int64_t h = 0; h < rep; ++h)
          queries.push_back({a.q + (rows[i] * a.heads + kv * rep + h) * d, acc.data() + (i * rep + h) * d});

      // Prompt keys, tile by tile, each tile (transposed once) for every query of the group.
      const float* pk = a.prefix_k + g * a.prefix_group_stride + kv * a.prefix_head_stride;
      const float* pv = a.prefix_v + g * a.prefix_group_stride + kv * a.prefix_head_stride;
      const int64_t length = a.group_length[g];
      for (int64_t t = 0; t < length; t += kTile) {
        const int64_t n = std::min(kTile, length - t);
        transpose_tile(pk + t * d, n, d, tile.data());
        for (int64_t i = 0; i < count; ++i) {
          // Keys before `first` are outside the row's local window.
          const int64_t first = a.window > 0 ? std::max<int64_t>(0, a.row_position[rows[i]] - a.window + 1 - t) : 0;
          for (int64_t h = 0; h < rep && first < n; ++h) {
            Query& query = queries[i * rep + h];
            dot_keys_transposed(query.q, tile.data(), first, n, d, scores.data());
            fold(query, a.scale, scores.data(), pv + (t + first) * d, n - first, d);
          }
        }
      }
      // Each row's generated keys, then normalise.
      for (int64_t i = 0; i < count; ++i) {
        const int64_t r = rows[i], newest = a.row_newest[r];
        const int64_t from = a.window > 0 ? std::max<int64_t>(0, newest - a.window + 1) : 0;
        const float* ok = a.own_k + r * a.own_row_stride + kv * a.own_head_stride;
        const float* ov = a.own_v + r * a.own_row_stride + kv * a.own_head_stride;
        for (int64_t h = 0; h < rep; ++h) {
          Query& query = queries[i * rep + h];
          fold_own_keys(query, a.scale, ok, ov, from, newest + 1, d, scores.data());
          float* out = a.out + (r * a.heads + kv * rep + h) * d;
          const float inv = 1.0f / query.sum;
          for (int64_t x = 0; x < d; ++x) out[x] = query.acc[x] * inv;
        }
      }
    }
  });
}

}  // namespace ekt
