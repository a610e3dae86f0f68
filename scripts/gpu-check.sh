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
# Logs and figures.json go to $OUT (default: ./gpu-check-out). nlohmann-json and GoogleTest come
# from the system, or from $EKT_GPU_DEPS (a prefix written by scripts/gpu-deps.sh and carried over),
# as do Gloo's headers, which PyPI's torch does not ship. $EKT_GPU_CMAKE_ARGS: extra arguments for CMake's configure step
# (e.g. -DCUDA_TOOLKIT_ROOT_DIR=... where nvcc is neither on PATH nor in /usr/local/cuda).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/gpu-check-out}"
DEPS="${EKT_GPU_DEPS:-$ROOT/engine/target/gpu-deps}"
BUILD="${EKT_GPU_BUILD:-$ROOT/engine/target/gpu-build}"
JOBS="$(nproc)"
mkdir -p "$OUT" "$BUILD"
exec > >(tee "$OUT/gpu-check.log") 2>&1
say() { echo "[gpu-check $(date +%H:%M:%S)] $*"; }

say "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
TORCH_PREFIX="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
say "torch $(python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)') at $TORCH_PREFIX"

PREFIXES="$TORCH_PREFIX"
# PyPI's torch leaves nccl.h (the NCCL process group's header) to the nvidia-nccl wheel.
NCCL_PREFIX="$(python3 -c 'import nvidia.nccl; print(list(nvidia.nccl.__path__)[0])' 2>/dev/null || true)"
[ -n "$NCCL_PREFIX" ] && PREFIXES="$PREFIXES;$NCCL_PREFIX"
if [ -d "$DEPS" ]; then
  # GoogleTest ships as sources (Debian's /usr/src/googletest): built once into the prefix.
  if [ -d "$DEPS/googletest-src" ] && [ ! -f "$DEPS/lib/cmake/GTest/GTestConfig.cmake" ] && [ ! -f "$DEPS/lib64/cmake/GTest/GTestConfig.cmake" ]; then
    say "building GoogleTest from $DEPS/googletest-src"
    cmake -S "$DEPS/googletest-src" -B "$BUILD/googletest" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$DEPS" \
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_GMOCK=OFF >"$OUT/googletest.log"
    cmake --build "$BUILD/googletest" -j "$JOBS" --target install >>"$OUT/googletest.log"
  fi
  PREFIXES="$PREFIXES;$DEPS"
fi

say "configuring and building the core (log: $OUT/build.log)"
start=$(date +%s)
# Warnings stay visible in the log but do not stop the measurements.
cmake -S "$ROOT/native" -B "$BUILD/core" -DCMAKE_BUILD_TYPE=Release -DEKT_WERROR=OFF -DCMAKE_PREFIX_PATH="$PREFIXES" ${EKT_GPU_CMAKE_ARGS:-} >"$OUT/build.log" 2>&1 \
  || { tail -50 "$OUT/build.log"; exit 1; }
cmake --build "$BUILD/core" -j "$JOBS" >>"$OUT/build.log" 2>&1 || { tail -50 "$OUT/build.log"; exit 1; }
say "built in $(( $(date +%s) - start )) s"

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
