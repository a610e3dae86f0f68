#include "dense_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ekt {
namespace {

// 16 floats; each clone below compiles it to its ISA's registers (one zmm, two ymm, four xmm).
typedef float Vec16 __attribute__((vector_size(64)));
#define EKT_LOAD16(v, p) std::memcpy(&(v), (p), sizeof(Vec16))
#define EKT_STORE16(p, v) std::memcpy((p), &(v), sizeof(Vec16))
#define EKT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

constexpr int64_t kRowBlock = 8;   // in_out: rows sharing each loaded weight vector
constexpr int64_t kColBlock = 32;  // in_out: output columns per block (two vectors)
constexpr int64_t kDotBlock = 4;   // out_in: rows x outputs per block
constexpr int64_t kDotMaxRows = 8;  // out_in: rows up to which dot products beat transposing panels
constexpr int64_t kPrefetchRows = 32;  // in_out: weight rows read ahead (~DRAM latency / row time)

// y[r, 0 .. 32) for `rows` (<= 8) rows: per k, two vectors of row k of the weight (ldw floats
// apart), each multiplied by every row's x[r, k]; 16 vector sums in registers.
EKT_VECTOR_CLONES void in_out_block(const float* __restrict__ x, int64_t rows, int64_t K, const float* __restrict__ w,
                                    int64_t ldw, const float* __restrict__ bias, float* __restrict__ y, int64_t ldy) {
  Vec16 b0 = {}, b1 = {};
  if (bias) {
    EKT_LOAD16(b0, bias);
    EKT_LOAD16(b1, bias + 16);
  }
  Vec16 acc0[kRowBlock], acc1[kRowBlock];
  for (int64_t r = 0; r < kRowBlock; ++r) {
    acc0[r] = b0;
    acc1[r] = b1;
  }
  for (int64_t k = 0; k < K; ++k) {
    // The panel's rows are ldw floats apart (often beyond a page): too far for the hardware
    // prefetchers, so ask for the rows kPrefetchRows ahead (prefetches past the end are harmless).
    __builtin_prefetch(w + (k + kPrefetchRows) * ldw);
    __builtin_prefetch(w + (k + kPrefetchRows) * ldw + 16);
    Vec16 w0, w1;
    EKT_LOAD16(w0, w + k * ldw);
    EKT_LOAD16(w1, w + k * ldw + 16);
    for (int64_t r = 0; r < kRowBlock; ++r) {
      const float xr = r < rows ? x[r * K + k] : 0.0f;
      acc0[r] += xr * w0;
      acc1[r] += xr * w1;
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    EKT_STORE16(y + r * ldy, acc0[r]);
    EKT_STORE16(y + r * ldy + 16, acc1[r]);
  }
}

// y[:, n0 .. n0 + 32) of x (M, K) times a weight panel of 32 columns, 8 rows at a time.
void in_out_panel(const float* x, int64_t M, int64_t K, const float* w, int64_t ldw, const float* bias, float* y, int64_t N) {
  for (int64_t m = 0; m < M; m += kRowBlock) in_out_block(x + m * K, std::min(kRowBlock, M - m), K, w, ldw, bias, y + m * N, N);
}

// y[r, 0 .. 4) for up to 4 rows of x and the 4 weight rows at w (each K long): dot products
// along K, 16 lanes per (row, output) held in registers (fixed loop bounds let the compiler keep
// all 16 there; missing rows repeat the last one and are not stored).
EKT_VECTOR_CLONES void out_in_block(const float* __restrict__ x, int64_t rows, int64_t K, const float* __restrict__ w,
                                    const float* __restrict__ bias, float* __restrict__ y, int64_t ldy) {
  const float* xr[kDotBlock];
  for (int64_t r = 0; r < kDotBlock; ++r) xr[r] = x + std::min(r, rows - 1) * K;
  Vec16 acc[kDotBlock][kDotBlock] = {};
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    Vec16 wv[kDotBlock], xv[kDotBlock];
    for (int64_t c = 0; c < kDotBlock; ++c) EKT_LOAD16(wv[c], w + c * K + k);
    for (int64_t r = 0; r < kDotBlock; ++r) EKT_LOAD16(xv[r], xr[r] + k);
    for (int64_t r = 0; r < kDotBlock; ++r)
      for (int64_t c = 0; c < kDotBlock; ++c) acc[r][c] += xv[r] * wv[c];
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < kDotBlock; ++c) {
      float sum = bias ? bias[c] : 0.0f;
      for (int l = 0; l < 16; ++l) sum += acc[r][c][l];
      for (int64_t t = k; t < K; ++t) sum += xr[r][t] * w[c * K + t];
      y[r * ldy + c] = sum;
    }
  }
}

}  // namespace

torch::Tensor dense_cpu(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool in_out) {
  const int64_t M = x.size(0), K = x.size(1), N = in_out ? weight.size(1) : weight.size(0);
  torch::Tensor y = torch::empty({M, N}, x.options());
  const float* xp = x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  const int64_t panels = N / kColBlock;
  if (in_out) {
    at::parallel_for(0, panels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p)
        in_out_panel(xp, M, K, wp + p * kColBlock, N, bp ? bp + p * kColBlock : nullptr, yp + p * kColBlock, N);
    });
  } else if (M <= kDotMaxRows) {
    // Dot products along K: each block of 4 weight rows stays in L1 while every row block of x
    // passes by.
    constexpr int64_t kTask = 64;  // outputs per parallel task
    at::parallel_for(0, panels * kColBlock / kTask, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t)
        for (int64_t n = t * kTask; n < (t + 1) * kTask; n += kDotBlock)
          for (int64_t m = 0; m < M; m += kDotBlock)
            out_in_block(xp + m * K, std::min(kDotBlock, M - m), K, wp + n * K, bp ? bp + n : nullptr, yp + m * N + n, N);
    });
  } else {
    // More rows: each panel of 32 weight rows is transposed once into (K, 32) and then serves
    // every row block through the [in, out] kernel (the transpose costs 1/M of the products).
    at::parallel_for(0, panels, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> packed(static_cast<size_t>(K * kColBlock));
      for (int64_t p = begin; p < end; ++p) {
        const float* panel = wp + p * kColBlock * K;  // (32, K)
        for (int64_t c = 0; c < kColBlock; ++c)
          for (int64_t k = 0; k < K; ++k) packed[static_cast<size_t>(k * kColBlock + c)] = panel[c * K + k];
        in_out_panel(xp, M, K, packed.data(), kColBlock, bp ? bp + p * kColBlock : nullptr, yp + p * kColBlock, N);
      }
    });
  }
  // Columns beyond the last whole panel.
  const int64_t covered = in_out || M > kDotMaxRows ? panels * kColBlock : panels * kColBlock / 64 * 64;
  for (int64_t n = covered; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      float sum = bp ? bp[n] : 0.0f;
      for (int64_t k = 0; k < K; ++k) sum += xp[m * K + k] * (in_out ? wp[k * N + n] : wp[n * K + k]);
      yp[m * N + n] = sum;
    }
  return y;
}

}  // namespace ekt
