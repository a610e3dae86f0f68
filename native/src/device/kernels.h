// Which implementation the core's hot paths use. "auto" (default): the CPU's own kernels where
// they apply (dense_cpu.h projections, decode_attention_cpu.h, the fused CPU AdamW, data-parallel
// training workers) and libtorch ops elsewhere. "portable" (EKT_KERNELS=portable): libtorch ops
// everywhere, i.e. exactly the path a CUDA device runs, so the CPU test suite covers it too.
#pragma once

namespace ekt {

// EKT_KERNELS, read once per process: "auto" (or unset) / "portable"; anything else is an error.
bool portable_kernels();

}  // namespace ekt
