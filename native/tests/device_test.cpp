// Device and dtype names, the kernel switch and the mixed-precision scope.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "device/autocast.h"
#include "device/kernels.h"
#include "device/placement.h"
#include "error.h"
#include "models/layers.h"

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ekt::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Device, NamesAreCheckedWithClearMessages) {
  EXPECT_TRUE(ekt::parse_device("cpu").is_cpu());
  EXPECT_NE(error_of([] { ekt::parse_device("gpu"); }).find("unknown device 'gpu'"), std::string::npos);
  EXPECT_NE(error_of([] { ekt::parse_device("cuda:x"); }).find("unknown device"), std::string::npos);
  if (!torch::cuda::is_available()) {
    const std::string message = error_of([] { ekt::parse_device("cuda:0"); });
    EXPECT_NE(message.find("CUDA is not available"), std::string::npos) << message;
  }
  EXPECT_EQ(ekt::parse_dtype("bf16"), torch::kBFloat16);
  EXPECT_EQ(ekt::parse_dtype("float16"), torch::kFloat16);
  EXPECT_STREQ(ekt::dtype_label(ekt::parse_dtype("fp32")), "float32");
  EXPECT_NE(error_of([] { ekt::parse_dtype("int8"); }).find("unknown dtype 'int8'"), std::string::npos);
}

TEST(Device, KernelSwitchFollowsTheEnvironment) {
  const char* value = std::getenv("EKT_KERNELS");
  EXPECT_EQ(ekt::portable_kernels(), value != nullptr && std::string(value) == "portable");
}

TEST(Device, AutocastRunsProductsInBfloat16AndRestoresTheThreadState) {
  torch::Tensor x = torch::randn({4, 8}), w = torch::randn({6, 8});
  {
    ekt::AutocastScope scope(torch::kCPU, torch::kBFloat16);
    EXPECT_TRUE(ekt::AutocastScope::active(torch::kCPU));
    EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
    {
      ekt::AutocastScope off(torch::kCPU, torch::kFloat32, /*enabled=*/false);
      EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
    }
    EXPECT_TRUE(ekt::AutocastScope::active(torch::kCPU));
  }
  EXPECT_FALSE(ekt::AutocastScope::active(torch::kCPU));
  ekt::AutocastScope full(torch::kCPU, torch::kFloat32);  // float32 precision: autocast stays off
  EXPECT_FALSE(ekt::AutocastScope::active(torch::kCPU));
}

TEST(Device, AttentionScoresStayFloat32UnderMixedPrecision) {
  // GPT-Neo's unscaled scores are large; Hugging Face computes them in float32 under autocast.
  torch::manual_seed(1);
  torch::Tensor q = 4 * torch::randn({1, 2, 5, 8}), k = 4 * torch::randn({1, 2, 5, 8}), v = torch::randn({1, 2, 5, 8});
  torch::Tensor allowed = torch::ones({5, 5}, torch::kBool).tril().view({1, 1, 5, 5});
  torch::Tensor plain = ekt::attention(q, k, v, allowed, 0.0);
  ekt::AutocastScope scope(torch::kCPU, torch::kBFloat16);
  EXPECT_TRUE(torch::equal(ekt::attention(q, k, v, allowed, 0.0), plain));
}

}  // namespace
