// The trainer's data parallelism (DDP semantics): every rank receives the whole effective
// batch (so the loss normalisation over all of it is exact without communication), computes
// the forward/backward of its own rows only, and before the optimizer step the gradients and
// the step's loss sums are summed across ranks. Every rank then applies the same update to the
// same weights, so N ranks give the update of one rank with the whole batch (up to the order
// of floating-point additions). Without a process group (or with one rank) both are no-ops.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace ekt::dist {

// The rows of the micro-batch [first, first + rows) this rank computes: first + rank,
// first + rank + N, ... So N ranks share each micro-batch as N worker threads of one process
// would, and rows are dealt round-robin (batches come longest first: balanced lengths).
std::vector<int64_t> local_rows(int64_t first, int64_t rows);

// The additive quantities of one step that each rank computed for its rows.
struct StepSums {
  double ce = 0, kd = 0, flops = 0;
  int64_t computed_tokens = 0;
};

// Sums `sums` and (when `gradients`) the parameters' grad() across ranks. A parameter whose
// gradient is undefined on every rank stays undefined (the optimizer skips it, as it would in
// one process); defined on some, the others contribute zeros. `stage` names it in errors.
void all_reduce_step(const std::vector<torch::Tensor>& params, bool gradients, StepSums& sums, const std::string& stage);

}  // namespace ekt::dist
