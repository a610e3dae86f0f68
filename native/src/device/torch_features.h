// libtorch APIs newer than the oldest libtorch the core builds against (Debian's 1.13), by the
// version that brought them. Code using one keeps the 1.13 path in the #else branch.
#pragma once

#include <torch/version.h>

#define EKT_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// at::scaled_dot_product_attention with the `scale` argument (flash / memory-efficient kernels).
#define EKT_HAS_SDPA EKT_TORCH_AT_LEAST(2, 1)
// at::_fused_adamw_ (one multi-tensor CUDA kernel for the whole update).
#define EKT_HAS_FUSED_ADAMW EKT_TORCH_AT_LEAST(2, 1)
// at::_foreach_norm with a CUDA multi-tensor kernel (1.13 has it on the CPU only as a loop).
#define EKT_HAS_FOREACH_NORM EKT_TORCH_AT_LEAST(2, 0)
// at::cuda::MemPool, a memory pool that outlives the CUDA graphs captured into it.
#define EKT_HAS_GRAPH_POOL EKT_TORCH_AT_LEAST(2, 8)
