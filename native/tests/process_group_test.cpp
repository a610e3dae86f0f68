// The c10d process group on its own: two Gloo ranks (threads of this process, 127.0.0.1) sum
// tensors of several dtypes through several buckets in place, and a world of one on the test
// device (EKT_TEST_DEVICE=cuda: the NCCL backend, scripts/gpu-check.sh) passes its barrier and
// gives back every element where it was, through the same bucketing.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "distributed/process_group.h"
#include "test_device.h"

namespace {

using ekt::dist::GroupOptions;
using ekt::dist::ProcessGroup;

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length), 0);
  close(fd);
  return ntohs(a.sin_port);
}

// Distinct values per rank and element, of three sizes and two dtypes: a misplaced element or
// a bucket unpacked into the wrong tensor changes a sum.
std::vector<torch::Tensor> rank_tensors(int rank, torch::Device device) {
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  return {torch::arange(0, 1000, f32).reshape({10, 100}) * (rank + 1), torch::arange(0, 3, f64) + 100 * rank,
          torch::arange(0, 5000, f32) * 0.5 - rank, torch::full({7}, 0.25 + rank, f32)};
}

GroupOptions options(int rank, int world, int port, const std::string& backend) {
  GroupOptions o;
  o.rank = rank;
  o.world_size = world;
  o.master_port = port;
  o.backend = backend;
  o.timeout_s = 60;
  return o;
}

TEST(ProcessGroupTest, TwoGlooRanksSumEveryBucketInPlace) {
  const int port = free_port();
  std::vector<std::vector<torch::Tensor>> tensors{rank_tensors(0, torch::kCPU), rank_tensors(1, torch::kCPU)};
  std::vector<std::string> errors(2);
  std::vector<double> seconds(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] {
      try {
        ProcessGroup g(options(r, 2, port, "gloo"));
        g.barrier("start");
        g.check_same("settings", "the same on both ranks");  // passes: nothing differs
        g.all_reduce_sum(tensors[static_cast<size_t>(r)], "sum", 8 * 1024);  // buckets of 8 KiB: several, and a dtype change
        seconds[static_cast<size_t>(r)] = g.reduce_seconds();
        EXPECT_EQ(g.reduces(), 1);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : ranks) t.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  std::vector<torch::Tensor> a = rank_tensors(0, torch::kCPU), b = rank_tensors(1, torch::kCPU);
  for (size_t i = 0; i < a.size(); ++i)
    for (int r = 0; r < 2; ++r) EXPECT_TRUE(torch::equal(tensors[static_cast<size_t>(r)][i], a[i] + b[i])) << "tensor " << i << " rank " << r;
  EXPECT_GT(seconds[0], 0.0);
}

// The GPU check's proof that the NCCL path builds and runs: one GPU, one rank.
TEST(ProcessGroupTest, WorldOfOneOnTheTestDevice) {
  const torch::Device device = test_device();
  ProcessGroup g(options(0, 1, free_port(), device.is_cuda() ? "nccl" : "gloo"));
  EXPECT_EQ(g.device().type(), device.type());
  g.barrier("start");
  std::vector<torch::Tensor> tensors = rank_tensors(0, device);
  g.all_reduce_sum(tensors, "sum", 8 * 1024);
  std::vector<torch::Tensor> expected = rank_tensors(0, device);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(tensors[i].device(), device) << "tensor " << i;
    EXPECT_TRUE(torch::equal(tensors[i], expected[i])) << "tensor " << i;
  }
  EXPECT_EQ(g.reduces(), 1);
}

}  // namespace
