#include "device/memory.h"

#include <unistd.h>

#include <algorithm>

#ifdef EKT_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

#include "error.h"

namespace ekt {
namespace {

constexpr int64_t kMiB = 1 << 20;

}  // namespace

DeviceMemory device_memory(const torch::Device& device) {
  EKT_CHECK(device.is_cuda(), "no allocator counters for " << device << " (libtorch counts CUDA memory only)");
#ifdef EKT_WITH_CUDA
  // Index 0 of each stat array is the aggregate over pool types (StatType::AGGREGATE).
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
  return {stats.allocated_bytes[0].current, stats.reserved_bytes[0].current};
#else
  EKT_FAIL("this core was built without CUDA; no counters for " << device);
#endif
}

int64_t default_memory_budget(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef EKT_WITH_CUDA
    c10::cuda::CUDAGuard guard(device);
    size_t free_bytes = 0, total_bytes = 0;
    const cudaError_t status = cudaMemGetInfo(&free_bytes, &total_bytes);
    EKT_CHECK(status == cudaSuccess, "cannot read the free memory of " << device << ": " << cudaGetErrorString(status));
    const DeviceMemory held = device_memory(device);
    return static_cast<int64_t>(free_bytes) / 10 * 9 + (held.reserved - held.allocated);
#else
    EKT_FAIL("this core was built without CUDA; cannot size a budget for " << device);
#endif
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  const int64_t quarter = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 4 : 2048 * kMiB;
  return std::min<int64_t>(8192 * kMiB, quarter);
}

}  // namespace ekt
