// Reuse of large CPU buffers across training steps. A training step allocates and frees the
// same large activations and gradients every time; the C allocator hands such blocks back to
// the kernel (munmap) and the next step pays a page fault for every 4 KiB page again, which on
// virtual machines costs as much as the arithmetic. While a CpuBufferCache scope is alive,
// libtorch's CPU allocations of 1 MiB and more come from a cache of freed blocks instead.
#pragma once

#include <cstddef>

namespace ekt {

class CpuBufferCache {
 public:
  CpuBufferCache();   // routes libtorch's CPU allocator through the cache
  ~CpuBufferCache();  // restores the previous allocator; cached blocks stay for the next scope
  CpuBufferCache(const CpuBufferCache&) = delete;
  CpuBufferCache& operator=(const CpuBufferCache&) = delete;

  // Returns every idle cached block to the system (blocks in use return when freed).
  static void release();
  // Bytes held idle in the cache.
  static size_t idle_bytes();
};

}  // namespace ekt
