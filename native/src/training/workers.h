// Data-parallel threads for the trainer. On a CPU, GEMMs of training-sized matrices scale
// poorly inside one BLAS call, but independent single-threaded GEMMs on separate cores scale
// almost linearly, so the trainer splits work across its own threads and makes every kernel
// inside them single-threaded (libtorch intra-op and BLAS) for the duration.
#pragma once

#include <functional>

namespace ekt {

// Runs task(0 .. workers-1), task(0) on the calling thread; rethrows the first failure after
// all have finished.
void run_parallel(int workers, const std::function<void(int)>& task);

// While alive, libtorch's intra-op parallelism and the BLAS library (OpenBLAS, if loaded) use
// one thread; restores the previous counts on destruction. Process-wide: the trainer holds it
// only inside a step, when nothing else in the core runs.
// Whether the BLAS thread count can be controlled (OpenBLAS found), for diagnostics.
bool blas_threads_controllable();

class SingleThreadedKernels {
 public:
  SingleThreadedKernels();
  ~SingleThreadedKernels();
  SingleThreadedKernels(const SingleThreadedKernels&) = delete;
  SingleThreadedKernels& operator=(const SingleThreadedKernels&) = delete;

 private:
  int torch_threads_, blas_threads_;
};

}  // namespace ekt
