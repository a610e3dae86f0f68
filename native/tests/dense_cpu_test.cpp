// The decode-step projection kernels against torch's matmul/linear, across row counts and
// sizes that exercise every block remainder.
#include <gtest/gtest.h>

#include "dense_cpu.h"
#include "layers.h"

namespace {

TEST(DenseCpu, MatchesTorchInBothWeightLayouts) {
  torch::manual_seed(3);
  for (int64_t rows : {1, 3, 8, 9, 13, 24, 64, 128, 300}) {
    for (auto [in, out] : std::vector<std::pair<int64_t, int64_t>>{{16, 32}, {40, 33}, {64, 96}, {7, 5}, {24, 70}}) {
      torch::Tensor x = torch::randn({rows, in}), bias = torch::randn({out});
      torch::Tensor w_in_out = torch::randn({in, out}), w_out_in = torch::randn({out, in});
      torch::Tensor a = ekt::dense_cpu(x, w_in_out, bias, true), b = ekt::dense_cpu(x, w_out_in, {}, false);
      EXPECT_TRUE(torch::allclose(a, torch::addmm(bias, x, w_in_out), 1e-5, 1e-4)) << rows << "x" << in << "->" << out;
      EXPECT_TRUE(torch::allclose(b, torch::linear(x, w_out_in), 1e-5, 1e-4)) << rows << "x" << in << "->" << out;
    }
  }
}

TEST(DenseCpu, DenseUsesItOnlyWithoutGradients) {
  torch::Tensor x = torch::randn({2, 5, 16}), w = torch::randn({16, 32}), b = torch::randn({32});
  torch::Tensor expected = torch::matmul(x, w) + b;
  {
    torch::NoGradGuard no_grad;  // inference: the kernel (10 rows)
    EXPECT_TRUE(torch::allclose(ekt::dense(x, w, b, ekt::WeightLayout::in_out), expected, 1e-5, 1e-4));
  }
  torch::Tensor wg = w.clone().requires_grad_(true);
  torch::Tensor y = ekt::dense(x, wg, b, ekt::WeightLayout::in_out);  // training: torch, with a graph
  EXPECT_TRUE(y.requires_grad());
  EXPECT_TRUE(torch::allclose(y.detach(), expected, 1e-5, 1e-4));
}

}  // namespace
