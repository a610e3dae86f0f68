// Device memory: the default budget for a sampler's caches and activations, which follows what
// the device has free, and the allocator's counters, which show that closing a model, sampler or
// trainer gives its memory back (the tests and scripts/gpu-check.sh read them).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace ekt {

// Bytes a sampler on `device` may use when the caller sets no budget. CPU: min(8 GiB, RAM / 4).
// CUDA: 90% of the device's free memory now (after the weights are loaded), plus what the caching
// allocator holds idle, so batch sizes follow the GPU instead of a fixed figure.
int64_t default_memory_budget(const torch::Device& device);

struct DeviceMemory {
  int64_t allocated = 0;  // bytes in live tensors
  int64_t reserved = 0;   // bytes the allocator holds (live plus cached for reuse)
};

// The CUDA caching allocator's counters for a CUDA device. Not available for the CPU (libtorch
// keeps no CPU counters; the tests install a counting allocator instead): throws ekt::Error.
DeviceMemory device_memory(const torch::Device& device);

}  // namespace ekt
