// Projections of the few rows of a decode step on the CPU (float32), without BLAS.
//
// With 1-64 rows, a BLAS GEMM spends most of its time packing the weight matrix into its
// blocked layout (copying all of it, every call) and waking its own thread pool, which then
// competes with libtorch's OpenMP threads. These kernels stream the weight once, in place, with
// all partial sums in registers, and split the output columns over libtorch's threads.
#pragma once

#include <torch/torch.h>

namespace ekt {

// Rows up to which dense_cpu beats BLAS (measured on the reference machine, AVX-512, 2 cores):
// beyond, BLAS's packing pays off.
constexpr int64_t kDenseCpuMaxRows = 128;

// x (M, K) times the weight plus bias (N, or undefined): the weight is (K, N) when `in_out`
// (GPT-2's Conv1D layout), (N, K) otherwise (nn.Linear). All float32, CPU, contiguous.
torch::Tensor dense_cpu(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, bool in_out);

}  // namespace ekt
