#!/usr/bin/env bash
# The GPU check (README, "The paper on a GPU"). On a machine with an NVIDIA GPU, CMake, a C++
# compiler and a PyTorch 2.x with headers (no Java, no network needed):
#   1. builds the core and ekt_bench against that PyTorch's libtorch,
#   2. runs the C++ tests (ctest) on it, then the decoding, sampler and memory-release tests again on the GPU, and
#      the process-group tests with the NCCL backend (a world of one: the path builds and runs),
#   3. runs scripts/gpu_check.py: logits against Hugging Face transformers on the GPU (float32,
#      bfloat16), sampling and a training step on the GPT-Neo-1.3B shape against transformers, and the paper's
#      teacher (a GPT-J-6B-shaped model in bfloat16) sampling 100 programs of a 750-token prompt; each part's
#      figures are written as it ends, so a run cut short keeps them.
# Logs and figures.json go to $OUT (default: ./gpu-check-out); scripts/gpu-env.sh says where the build's
# dependencies come from. Then, while the machine is still up, scripts/gpu-run.sh runs the paper's
# largest pair through one `ekt run` with the core built here.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/gpu-env.sh"
exec > >(tee "$OUT/gpu-check.log") 2>&1

say "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
build_core

say "ctest (log: $OUT/ctest.log)"
ctest_status=0
ctest --test-dir "$BUILD/core" -j "$JOBS" --output-on-failure >"$OUT/ctest.log" 2>&1 || ctest_status=$?
tail -5 "$OUT/ctest.log"
say "ctest on the GPU: the decoding and sampler tests (steps between stop checks under CUDA's sync debug mode, CUDA-graph replays), and the allocator counters returning to their baseline after"
say "closing a model, sampler and trainer, with EKT_TEST_DEVICE=cuda (log: $OUT/ctest-cuda.log)"
EKT_TEST_DEVICE=cuda ctest --test-dir "$BUILD/core" -R 'Architectures|MemoryRelease|StepsBetweenChecks|CudaGraphs' -E '^portable' --output-on-failure >"$OUT/ctest-cuda.log" 2>&1 \
  || ctest_status=$?
tail -5 "$OUT/ctest-cuda.log"
say "NCCL: a world of one on the GPU, barrier and a bucketed all-reduce checked element by element (log: $OUT/ctest-nccl.log)"
EKT_TEST_DEVICE=cuda ctest --test-dir "$BUILD/core" -R 'ProcessGroupTest' --output-on-failure >"$OUT/ctest-nccl.log" 2>&1 \
  || ctest_status=$?
tail -5 "$OUT/ctest-nccl.log"

say "parity and figures (scripts/gpu_check.py)"
check_status=0
python3 "$ROOT/scripts/gpu_check.py" --bench "$BUILD/core/ekt_bench" --out "$OUT" "$@" || check_status=$?
say "ctest exit $ctest_status, gpu_check exit $check_status; figures: $OUT/figures.json"
exit $(( ctest_status != 0 || check_status != 0 ))
