#include "training/workers.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <exception>
#include <thread>
#include <vector>

namespace ekt {
namespace {

// OpenBLAS keeps its own thread pool, which libtorch's set_num_threads does not reach. Looked
// up at run time, in the global scope or in an already loaded BLAS (a JVM loads the core and
// its dependencies privately), so the core also works with other BLAS libraries (a no-op then).
void* blas_symbol(const char* name) {
  if (void* f = ::dlsym(RTLD_DEFAULT, name)) return f;
  for (const char* lib : {"libblas.so.3", "libopenblas.so.0"})
    if (void* handle = ::dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) {
      void* f = ::dlsym(handle, name);
      ::dlclose(handle);  // drops only the reference RTLD_NOLOAD added
      if (f) return f;
    }
  return nullptr;
}

using SetThreads = void (*)(int);
using GetThreads = int (*)();

SetThreads blas_set() { return reinterpret_cast<SetThreads>(blas_symbol("openblas_set_num_threads")); }
GetThreads blas_get() { return reinterpret_cast<GetThreads>(blas_symbol("openblas_get_num_threads")); }

}  // namespace

bool blas_threads_controllable() { return blas_set() != nullptr; }

void run_parallel(int workers, const std::function<void(int)>& task) {
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  auto guarded = [&](int k) {
    try {
      task(k);
    } catch (...) {
      errors[static_cast<size_t>(k)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int k = 1; k < workers; ++k) threads.emplace_back(guarded, k);
  guarded(0);
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

SingleThreadedKernels::SingleThreadedKernels() : torch_threads_(at::get_num_threads()), blas_threads_(0) {
  at::set_num_threads(1);
  if (GetThreads get = blas_get()) blas_threads_ = get();
  if (SetThreads set = blas_set()) set(1);
}

SingleThreadedKernels::~SingleThreadedKernels() {
  at::set_num_threads(torch_threads_);
  if (SetThreads set = blas_set(); set && blas_threads_ > 0) set(blas_threads_);
}

}  // namespace ekt
