// The device the model tests run on: EKT_TEST_DEVICE ("cpu" when unset; scripts/gpu-check.sh
// runs the decoding and sampler tests again with "cuda").
#pragma once

#include <torch/torch.h>

#include <cstdlib>

inline torch::Device test_device() {
  const char* name = std::getenv("EKT_TEST_DEVICE");
  return torch::Device(name != nullptr && *name != '\0' ? name : "cpu");
}
