// The decode-step projection kernels against torch's matmul/linear and a float64 reference,
// across row counts and sizes that exercise every block remainder, and their batch invariance.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/cpu/dense_cpu.h"
#include "models/layers.h"

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

// A row's outputs do not depend on the batch it is computed in: the same rows alone, in batches of
// every size and at every position (shuffled), give the same bits (the sampler's batch invariance:
// a resumed run must reproduce an uninterrupted one's log-probabilities). And every output is
// within the worst-case float32 summation bound of a float64 reference: |y - y64| <=
// gamma(K + 1) * (|x| |w| + |b|), gamma(n) = n u / (1 - n u), u = 2^-24 (Higham, Accuracy and
// Stability of Numerical Algorithms, 3.1).
TEST(DenseCpu, RowsGetTheSameBitsInAnyBatch) {
  torch::manual_seed(5);
  const int64_t total = 300;
  for (auto [in, out] : std::vector<std::pair<int64_t, int64_t>>{{64, 96}, {40, 70}, {768, 200}, {7, 5}}) {
    for (bool in_out : {true, false}) {
      const torch::Tensor x = torch::randn({total, in}), bias = torch::randn({out});
      const torch::Tensor w = in_out ? torch::randn({in, out}) : torch::randn({out, in});
      const torch::Tensor all = ekt::dense_cpu(x, w, bias, in_out);
      const std::string where = (in_out ? "in_out " : "out_in ") + std::to_string(in) + "->" + std::to_string(out);
      for (int64_t rows : {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 64, 257}) {
        for (int64_t first : {int64_t{0}, int64_t{1}, total - rows}) {
          const torch::Tensor part = ekt::dense_cpu(x.narrow(0, first, rows).contiguous(), w, bias, in_out);
          EXPECT_TRUE(torch::equal(part, all.narrow(0, first, rows))) << where << ", rows " << first << "+" << rows;
        }
      }
      const torch::Tensor order = torch::randperm(total);
      EXPECT_TRUE(torch::equal(ekt::dense_cpu(x.index_select(0, order), w, bias, in_out), all.index_select(0, order)))
          << where << ", shuffled";
      const torch::Tensor w_in_out = in_out ? w : w.t();
      const torch::Tensor x64 = x.to(torch::kFloat64), w64 = w_in_out.to(torch::kFloat64), b64 = bias.to(torch::kFloat64);
      const double nu = static_cast<double>(in + 1) * std::ldexp(1.0, -24), gamma = nu / (1 - nu);
      const torch::Tensor bound = gamma * (x64.abs().matmul(w64.abs()) + b64.abs());
      const torch::Tensor error = (all.to(torch::kFloat64) - (x64.matmul(w64) + b64)).abs();
      EXPECT_TRUE((error <= bound).all().item<bool>())
          << where << ": worst error / bound " << (error / bound).max().item<double>();
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
