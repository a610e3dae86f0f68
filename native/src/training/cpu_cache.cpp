#include "training/cpu_cache.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace ekt {
namespace {

constexpr size_t kMinCached = size_t{1} << 20;
constexpr size_t kMaxIdle = size_t{4} << 30;  // idle bytes beyond this go back to the system

// Sizes round up to an eighth of their power of two, so steps whose shapes differ a little
// (bucketed lengths) still reuse each other's blocks; at most 12.5% of a block is slack.
size_t size_class(size_t n) {
  size_t power = 1;
  while (power < n) power <<= 1;
  const size_t step = power / 8;
  return (n + step - 1) / step * step;
}

class Cache {
 public:
  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(bytes);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    void* block = it->second.back();
    it->second.pop_back();
    idle_bytes_ -= bytes;
    return block;
  }

  void remember(void* block, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    sizes_[block] = bytes;
  }

  // Called by every deleter: cached blocks go idle, all others are freed.
  void give_back(void* block) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = sizes_.find(block);
    if (it != sizes_.end() && idle_bytes_ + it->second <= kMaxIdle) {
      idle_[it->second].push_back(block);
      idle_bytes_ += it->second;
      return;
    }
    if (it != sizes_.end()) sizes_.erase(it);
    lock.unlock();
    c10::free_cpu(block);
  }

  void release() {
    std::vector<void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [bytes, list] : idle_)
        for (void* b : list) {
          blocks.push_back(b);
          sizes_.erase(b);
        }
      idle_.clear();
      idle_bytes_ = 0;
    }
    for (void* b : blocks) c10::free_cpu(b);
  }

  size_t idle_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_bytes_;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> idle_;  // size class -> idle blocks
  std::unordered_map<void*, size_t> sizes_;              // every block the cache handed out
  size_t idle_bytes_ = 0;
};

// Never destroyed: tensors allocated through the cache may be freed during process exit.
Cache& cache() {
  static Cache* instance = new Cache;
  return *instance;
}

void delete_block(void* block) { cache().give_back(block); }

// The data pointer is its own context, so the raw_allocate interface keeps working. Both
// allocate signatures are declared (without override): libtorch up to 2.2 makes allocate const,
// later versions do not and add copy_data.
class CachingAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const { return allocate_block(n); }
  c10::DataPtr allocate(size_t n) { return allocate_block(n); }
  void copy_data(void* dest, const void* src, size_t count) const { std::memcpy(dest, src, count); }
  c10::DeleterFnPtr raw_deleter() const override { return &delete_block; }

 private:
  static c10::DataPtr allocate_block(size_t n) {
    void* block = nullptr;
    if (n < kMinCached) {
      block = c10::alloc_cpu(n);
    } else {
      const size_t bytes = size_class(n);
      block = cache().take(bytes);
      if (!block) {
        block = c10::alloc_cpu(bytes);
        cache().remember(block, bytes);
      }
    }
    return {block, block, &delete_block, c10::Device(c10::DeviceType::CPU)};
  }
};

CachingAllocator g_allocator;
std::mutex g_scope_mutex;
int g_scopes = 0;
c10::Allocator* g_previous = nullptr;

}  // namespace

// Scopes may nest or overlap across threads: the first installs, the last restores.
CpuBufferCache::CpuBufferCache() {
  std::lock_guard<std::mutex> lock(g_scope_mutex);
  if (g_scopes++ == 0) {
    g_previous = c10::GetCPUAllocator();
    c10::SetCPUAllocator(&g_allocator, /*priority=*/255);
  }
}

CpuBufferCache::~CpuBufferCache() {
  std::lock_guard<std::mutex> lock(g_scope_mutex);
  if (--g_scopes == 0) c10::SetCPUAllocator(g_previous, /*priority=*/255);
}

void CpuBufferCache::release() { cache().release(); }

size_t CpuBufferCache::idle_bytes() { return cache().idle_bytes(); }

}  // namespace ekt
