#include "kernels/cpu/dense_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"

namespace ekt {
namespace {

// 16, 8 and 4 floats: one zmm, ymm or xmm register in the kernels compiled for their ISA.
typedef float Vec16 __attribute__((vector_size(64)));
typedef float Vec8 __attribute__((vector_size(32)));
typedef float Vec4 __attribute__((vector_size(16)));

// Register blocks per instruction set, sized to its vector registers (32 zmm; 16 ymm or xmm).
// in_out: kRows x kVecs accumulators + kVecs weight vectors + one broadcast x.
// out_in: kDotRows x kDotCols accumulators + kDotRows x vectors + one weight vector.
struct Avx512 {
  using V = Vec16;
  static constexpr int kRows = 8, kVecs = 2;     // 16 + 2 + 1 of 32
  static constexpr int kDotRows = 4, kDotCols = 4;  // 16 + 4 + 1 of 32
};
struct Avx2 {  // also what CPUs without AVX2 run, in xmm registers (Sse2)
  using V = Vec8;
  static constexpr int kRows = 6, kVecs = 2;     // 12 + 2 + 1 of 16
  static constexpr int kDotRows = 3, kDotCols = 3;  // 9 + 3 + 1 of 16
};
struct Sse2 : Avx2 {
  using V = Vec4;
};

template <class V>
constexpr int64_t kLanes = sizeof(V) / sizeof(float);

constexpr int64_t kPrefetchRows = 32;  // in_out: weight rows read ahead (~DRAM latency / row time)
constexpr int64_t kDotTask = 64;       // out_in: outputs per parallel task
constexpr int64_t kPackBlocks = 8;     // in_out: row blocks from which panels are packed (AVX2: pays from 4-8)

#define EKT_INLINE inline __attribute__((always_inline))

// Every output element is its own accumulator: bias, then + x[k] * w[k] for k = 0, 1, ... in
// order (in_out), or 16/8/4 lane sums over k then added lane by lane (out_in). The blocks below
// only choose which elements share loaded vectors, so an element's value does not depend on how
// many rows the batch has or where its row sits (the sampler's batch invariance).

// y[r, 0 .. C vectors) for R rows: per k, C vectors of row k of the weight (ldw floats apart),
// each multiplied by every row's x[r, k].
template <class V, int R, int C>
EKT_INLINE void in_out_block(const float* __restrict__ x, int64_t K, const float* __restrict__ w, int64_t ldw,
                             const float* __restrict__ bias, float* __restrict__ y, int64_t ldy) {
  constexpr int64_t L = kLanes<V>;
  V acc[R][C];
  for (int c = 0; c < C; ++c) {
    V b = {};
    if (bias) std::memcpy(&b, bias + c * L, sizeof(V));
    for (int r = 0; r < R; ++r) acc[r][c] = b;
  }
  for (int64_t k = 0; k < K; ++k) {
    // The panel's rows are ldw floats apart (often beyond a page): too far for the hardware
    // prefetchers, so ask for the rows kPrefetchRows ahead (prefetches past the end are harmless).
    for (int64_t c = 0; c < C * L; c += 16) __builtin_prefetch(w + (k + kPrefetchRows) * ldw + c);
    V wv[C];
    for (int c = 0; c < C; ++c) std::memcpy(&wv[c], w + k * ldw + c * L, sizeof(V));
    for (int r = 0; r < R; ++r) {
      const float xr = x[r * K + k];
      for (int c = 0; c < C; ++c) acc[r][c] += xr * wv[c];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) std::memcpy(y + r * ldy + c * L, &acc[r][c], sizeof(V));
}

// in_out_block for the runtime row count rows (1 .. R).
template <class V, int R, int C>
EKT_INLINE void in_out_rows(int64_t rows, const float* x, int64_t K, const float* w, int64_t ldw, const float* bias,
                            float* y, int64_t ldy) {
  if constexpr (R > 1)
    if (rows < R) return in_out_rows<V, R - 1, C>(rows, x, K, w, ldw, bias, y, ldy);
  in_out_block<V, R, C>(x, K, w, ldw, bias, y, ldy);
}

// y[:, 0 .. panel) of x (M, K) times a weight panel (K rows ldw apart), kRows rows at a time.
template <class Isa>
EKT_INLINE void in_out_panel(const float* x, int64_t M, int64_t K, const float* w, int64_t ldw, const float* bias,
                             float* y, int64_t ldy) {
  for (int64_t m = 0; m < M; m += Isa::kRows)
    in_out_rows<typename Isa::V, Isa::kRows, Isa::kVecs>(std::min<int64_t>(Isa::kRows, M - m), x + m * K, K, w, ldw,
                                                          bias, y + m * ldy, ldy);
}

// y[r, 0 .. C) for R rows of x and the C weight rows at w (each K long): dot products along K,
// one vector of lane sums per (row, output) in registers.
template <class V, int R, int C>
EKT_INLINE void out_in_block(const float* __restrict__ x, int64_t K, const float* __restrict__ w,
                             const float* __restrict__ bias, float* __restrict__ y, int64_t ldy) {
  constexpr int64_t L = kLanes<V>;
  V acc[R][C] = {};
  int64_t k = 0;
  for (; k + L <= K; k += L) {
    V xv[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) std::memcpy(&xv[r], x + r * K + k, sizeof(V));
    for (int c = 0; c < C; ++c) {
      V wv;
      std::memcpy(&wv, w + c * K + k, sizeof(V));
      for (int r = 0; r < R; ++r) acc[r][c] += xv[r] * wv;
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      float lanes[L];
      std::memcpy(lanes, &acc[r][c], sizeof(V));
      float sum = bias ? bias[c] : 0.0f;
      for (int64_t l = 0; l < L; ++l) sum += lanes[l];
      for (int64_t t = k; t < K; ++t) sum += x[r * K + t] * w[c * K + t];
      y[r * ldy + c] = sum;
    }
}

// out_in_block for the runtime block size rows x cols (1 .. R, 1 .. C).
template <class V, int R, int C>
EKT_INLINE void out_in_cols(int64_t cols, const float* x, int64_t K, const float* w, const float* bias, float* y,
                            int64_t ldy) {
  if constexpr (C > 1)
    if (cols < C) return out_in_cols<V, R, C - 1>(cols, x, K, w, bias, y, ldy);
  out_in_block<V, R, C>(x, K, w, bias, y, ldy);
}
template <class V, int R, int C>
EKT_INLINE void out_in_rows(int64_t rows, int64_t cols, const float* x, int64_t K, const float* w, const float* bias,
                            float* y, int64_t ldy) {
  if constexpr (R > 1)
    if (rows < R) return out_in_rows<V, R - 1, C>(rows, cols, x, K, w, bias, y, ldy);
  out_in_cols<V, R, C>(cols, x, K, w, bias, y, ldy);
}

// y[:, n0 .. n1) of x (M, K) and the weight (N, K): each block of kDotCols weight rows stays in
// L1 while a tile of rows of x (in L2) passes by.
template <class Isa>
EKT_INLINE void out_in_outputs(const float* x, int64_t M, int64_t K, const float* w, const float* bias, float* y,
                               int64_t ldy, int64_t n0, int64_t n1) {
  constexpr int64_t kTile = Isa::kDotRows * 16;
  for (int64_t t = 0; t < M; t += kTile)
    for (int64_t n = n0; n < n1; n += Isa::kDotCols)
      for (int64_t m = t; m < std::min(M, t + kTile); m += Isa::kDotRows)
        out_in_rows<typename Isa::V, Isa::kDotRows, Isa::kDotCols>(
            std::min<int64_t>(Isa::kDotRows, M - m), std::min<int64_t>(Isa::kDotCols, n1 - n), x + m * K, K, w + n * K,
            bias ? bias + n : nullptr, y + m * ldy + n, ldy);
}

// The kernels of one ISA, compiled for it.
struct Kernels {
  int64_t rows;   // in_out: rows per block
  int64_t panel;  // in_out: output columns per panel
  void (*in_out)(const float* x, int64_t M, int64_t K, const float* w, int64_t ldw, const float* bias, float* y,
                 int64_t ldy);
  void (*out_in)(const float* x, int64_t M, int64_t K, const float* w, const float* bias, float* y, int64_t ldy,
                 int64_t n0, int64_t n1);
};

#define EKT_ISA_KERNELS(Isa, target_attribute)                                                                  \
  target_attribute void in_out_##Isa(const float* x, int64_t M, int64_t K, const float* w, int64_t ldw,         \
                                     const float* bias, float* y, int64_t ldy) {                                \
    in_out_panel<Isa>(x, M, K, w, ldw, bias, y, ldy);                                                           \
  }                                                                                                             \
  target_attribute void out_in_##Isa(const float* x, int64_t M, int64_t K, const float* w, const float* bias,   \
                                     float* y, int64_t ldy, int64_t n0, int64_t n1) {                           \
    out_in_outputs<Isa>(x, M, K, w, bias, y, ldy, n0, n1);                                                      \
  }                                                                                                             \
  constexpr Kernels kKernels##Isa{Isa::kRows, Isa::kVecs * kLanes<Isa::V>, in_out_##Isa, out_in_##Isa};

EKT_ISA_KERNELS(Avx512, __attribute__((target("avx512f"))))
EKT_ISA_KERNELS(Avx2, __attribute__((target("avx2,fma"))))
EKT_ISA_KERNELS(Sse2, )

// The widest ISA this CPU has, or the one EKT_DENSE_ISA names ("avx512", "avx2", "sse2"), so
// that one machine's tests cover the narrower kernel sets too. Chosen once.
const Kernels& kernels() {
  static const Kernels chosen = [] {
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const char* raw = std::getenv("EKT_DENSE_ISA");
    const std::string wanted = raw != nullptr ? raw : "";
    if (wanted.empty()) return avx512 ? kKernelsAvx512 : avx2 ? kKernelsAvx2 : kKernelsSse2;
    EKT_CHECK(wanted == "avx512" || wanted == "avx2" || wanted == "sse2",
              "EKT_DENSE_ISA must be avx512, avx2 or sse2, got '" << wanted << "'");
    EKT_CHECK(wanted != "avx512" || avx512, "EKT_DENSE_ISA=avx512, but this CPU has no AVX-512F");
    EKT_CHECK(wanted != "avx2" || avx2, "EKT_DENSE_ISA=avx2, but this CPU has no AVX2 with FMA");
    return wanted == "avx512" ? kKernelsAvx512 : wanted == "avx2" ? kKernelsAvx2 : kKernelsSse2;
  }();
  return chosen;
}

}  // namespace

torch::Tensor dense_cpu(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool in_out) {
  const int64_t M = x.size(0), K = x.size(1), N = in_out ? weight.size(1) : weight.size(0);
  torch::Tensor y = torch::empty({M, N}, x.options());
  const float* xp = x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  const Kernels& kern = kernels();
  if (!in_out) {
    // Dot products along K, in tasks of kDotTask outputs (the last one shorter).
    at::parallel_for(0, (N + kDotTask - 1) / kDotTask, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) kern.out_in(xp, M, K, wp, bp, yp, N, t * kDotTask, std::min(N, (t + 1) * kDotTask));
    });
    return y;
  }
  const int64_t panels = N / kern.panel;
  at::parallel_for(0, panels, 1, [&](int64_t begin, int64_t end) {
    // With many row blocks, each panel is first copied into contiguous memory: its rows, N
    // floats apart, fall into few L1 sets (N * 4 bytes is a multiple of 1 KiB at the usual
    // model widths), so re-reading them for every row block misses L1; contiguous, they stream.
    std::vector<float> packed(M >= kPackBlocks * kern.rows ? static_cast<size_t>(K * kern.panel) : 0);
    for (int64_t p = begin; p < end; ++p) {
      const int64_t n = p * kern.panel;
      const float* panel = wp + n;
      int64_t ldw = N;
      if (!packed.empty()) {
        for (int64_t k = 0; k < K; ++k)
          std::memcpy(packed.data() + k * kern.panel, wp + k * N + n, sizeof(float) * kern.panel);
        panel = packed.data();
        ldw = kern.panel;
      }
      kern.in_out(xp, M, K, panel, ldw, bp ? bp + n : nullptr, yp + n, N);
    }
  });
  // Columns beyond the last whole panel.
  for (int64_t n = panels * kern.panel; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      float sum = bp ? bp[n] : 0.0f;
      for (int64_t k = 0; k < K; ++k) sum += xp[m * K + k] * wp[k * N + n];
      yp[m * N + n] = sum;
    }
  return y;
}

}  // namespace ekt
