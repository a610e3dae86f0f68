// Micro benchmark of the CPU projection kernels (dense_cpu.h) against libtorch's BLAS, at one
// projection shape over several row counts (a decode step has one row per sequence).
//
//   ekt_dense_bench [--in 768 --out 2304 --layout in_out|out_in --rows 1,8,64,256 --seconds 1]
//
// Prints one JSON line per row count: microseconds per call and GFLOP/s for both.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/cpu/dense_cpu.h"

namespace {

// Mean seconds per call of f, repeated for about `seconds` after one warm-up call.
template <class F>
double seconds_per_call(F&& f, double seconds) {
  f();
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  int64_t calls = 0;
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return elapsed / static_cast<double>(calls);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> a{{"in", "768"}, {"out", "2304"}, {"layout", "in_out"}, {"rows", "1,8,64,256"},
                                       {"seconds", "1"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || !a.count(key.substr(2))) {
      std::fprintf(stderr, "unknown option %s (see the file's header)\n", argv[i]);
      return 2;
    }
    a[key.substr(2)] = argv[i + 1];
  }
  const int64_t in = std::stoll(a["in"]), out = std::stoll(a["out"]);
  const bool in_out = a["layout"] == "in_out";
  const double seconds = std::stod(a["seconds"]);
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const torch::Tensor weight = in_out ? torch::randn({in, out}) : torch::randn({out, in}), bias = torch::randn({out});
  std::stringstream rows_list(a["rows"]);
  for (std::string item; std::getline(rows_list, item, ',');) {
    const int64_t rows = std::stoll(item);
    const torch::Tensor x = torch::randn({rows, in});
    const double kernel = seconds_per_call([&] { ekt::dense_cpu(x, weight, bias, in_out); }, seconds);
    const double blas = seconds_per_call(
        [&] { in_out ? torch::addmm(bias, x, weight) : torch::linear(x, weight, bias); }, seconds);
    const double flops = 2.0 * static_cast<double>(rows * in * out);
    std::printf("{\"layout\": \"%s\", \"rows\": %lld, \"in\": %lld, \"out\": %lld, \"threads\": %d, "
                "\"kernel_us\": %.1f, \"blas_us\": %.1f, \"kernel_gflops\": %.2f, \"blas_gflops\": %.2f}\n",
                a["layout"].c_str(), static_cast<long long>(rows), static_cast<long long>(in),
                static_cast<long long>(out), at::get_num_threads(), kernel * 1e6, blas * 1e6, flops / kernel * 1e-9,
                flops / blas * 1e-9);
  }
  return 0;
}
