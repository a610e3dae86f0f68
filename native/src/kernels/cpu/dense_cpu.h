// Projections for inference on the CPU (float32), without BLAS.
//
// With the 1-256 rows of a decode step, a BLAS GEMM spends most of its time packing the weight
// matrix into its blocked layout (copying all of it, every call) and waking its own thread pool,
// which then competes with libtorch's OpenMP threads (its spinning threads took ~30% of the CPU
// at batch 64, and batch 256 ran 2.5x slower through BLAS). These kernels stream the weight once,
// in place, with all partial sums in registers, and split the output columns over libtorch's
// threads; prefill's larger row counts reuse each weight panel (copied contiguous) from L2 for
// every row. The register block is per instruction set (AVX-512, AVX2 + FMA, SSE2: the widest
// the CPU has, or EKT_DENSE_ISA=avx512|avx2|sse2 for tests) and only decides which outputs share
// loaded vectors: each output's sum over K runs in one fixed order whatever the batch, so a row
// gets the same bits in a batch of any size or position (the sampler's batch invariance; BLAS's
// rounding depends on the row count).
#pragma once

#include <torch/torch.h>

namespace ekt {

// x (M, K) times the weight plus bias (N, or undefined): the weight is (K, N) when `in_out`
// (GPT-2's Conv1D layout), (N, K) otherwise (nn.Linear). All float32, CPU, contiguous.
torch::Tensor dense_cpu(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool in_out);

}  // namespace ekt
