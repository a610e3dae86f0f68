#include "dense_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

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

// y[r, n0 .. n0 + 32) for `rows` (<= 8) rows: per k, two weight vectors of row k of W (K, N),
// each multiplied by every row's x[r, k]; 16 vector sums in registers.
EKT_VECTOR_CLONES void in_out_block(const float* __restrict__ x, int64_t rows, int64_t K, const float* __restrict__ w,
                                    int64_t N, const float* __restrict__ bias, int64_t n0, float* __restrict__ y) {
  Vec16 b0 = {}, b1 = {};
  if (bias) {
    EKT_LOAD16(b0, bias + n0);
    EKT_LOAD16(b1, bias + n0 + 16);
  }
  Vec16 acc0[kRowBlock], acc1[kRowBlock];
  for (int64_t r = 0; r < kRowBlock; ++r) {
    acc0[r] = b0;
    acc1[r] = b1;
  }
  for (int64_t k = 0; k < K; ++k) {
    Vec16 w0, w1;
    EKT_LOAD16(w0, w + k * N + n0);
    EKT_LOAD16(w1, w + k * N + n0 + 16);
    for (int64_t r = 0; r < kRowBlock; ++r) {
      const float xr = r < rows ? x[r * K + k] : 0.0f;
      acc0[r] += xr * w0;
      acc1[r] += xr * w1;
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    EKT_STORE16(y + r * N + n0, acc0[r]);
    EKT_STORE16(y + r * N + n0 + 16, acc1[r]);
  }
}

// y[r, n] for up to 4 rows and 4 outputs n0.. of W (N, K): dot products along K, 16 lanes each.
EKT_VECTOR_CLONES void out_in_block(const float* __restrict__ x, int64_t rows, int64_t K, const float* __restrict__ w,
                                    int64_t cols, const float* __restrict__ bias, int64_t n0, int64_t N,
                                    float* __restrict__ y) {
  Vec16 acc[kDotBlock][kDotBlock] = {};
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    Vec16 wv[kDotBlock] = {}, xv[kDotBlock] = {};
    for (int64_t c = 0; c < cols; ++c) EKT_LOAD16(wv[c], w + (n0 + c) * K + k);
    for (int64_t r = 0; r < rows; ++r) EKT_LOAD16(xv[r], x + r * K + k);
    for (int64_t r = 0; r < kDotBlock; ++r)
      for (int64_t c = 0; c < kDotBlock; ++c) acc[r][c] += xv[r] * wv[c];
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      float sum = bias ? bias[n0 + c] : 0.0f;
      for (int l = 0; l < 16; ++l) sum += acc[r][c][l];
      for (int64_t t = k; t < K; ++t) sum += x[r * K + t] * w[(n0 + c) * K + t];
      y[r * N + n0 + c] = sum;
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
  if (in_out) {
    const int64_t blocks = N / kColBlock;
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b)
        for (int64_t m = 0; m < M; m += kRowBlock)
          in_out_block(xp + m * K, std::min(kRowBlock, M - m), K, wp, N, bp, b * kColBlock, yp + m * N);
    });
    for (int64_t n = blocks * kColBlock; n < N; ++n)  // columns beyond the last whole block
      for (int64_t m = 0; m < M; ++m) {
        float sum = bp ? bp[n] : 0.0f;
        for (int64_t k = 0; k < K; ++k) sum += xp[m * K + k] * wp[k * N + n];
        yp[m * N + n] = sum;
      }
  } else {
    constexpr int64_t kTask = 64;  // outputs per parallel task
    at::parallel_for(0, (N + kTask - 1) / kTask, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t)
        for (int64_t m = 0; m < M; m += kDotBlock)
          for (int64_t n = t * kTask; n < std::min(N, (t + 1) * kTask); n += kDotBlock)
            out_in_block(xp + m * K, std::min(kDotBlock, M - m), K, wp, std::min(kDotBlock, N - n), bp, n, N, yp + m * N);
    });
  }
  return y;
}

}  // namespace ekt
