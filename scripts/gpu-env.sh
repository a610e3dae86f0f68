# Sourced by scripts/gpu-check.sh and scripts/gpu-run.sh: where things go on the GPU host, and the core's
# build against that host's PyTorch. nlohmann-json and GoogleTest come from the system, or from
# $EKT_GPU_DEPS (a prefix written by scripts/gpu-deps.sh and carried over), as do Gloo's headers, which
# PyPI's torch does not ship. $EKT_GPU_CMAKE_ARGS: extra arguments for CMake's configure step (e.g.
# -DCUDA_TOOLKIT_ROOT_DIR=... where nvcc is neither on PATH nor in /usr/local/cuda).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/gpu-check-out}"
DEPS="${EKT_GPU_DEPS:-$ROOT/engine/target/gpu-deps}"
BUILD="${EKT_GPU_BUILD:-$ROOT/engine/target/gpu-build}"
JOBS="$(nproc)"
mkdir -p "$OUT" "$BUILD"
say() { echo "[$(basename "$0" .sh) $(date +%H:%M:%S)] $*"; }

# Configures the core against this host's PyTorch and builds the given targets (default: all)
# in $BUILD/core; the log is $OUT/build.log.
build_core() {
  local torch_prefix prefixes nccl_prefix start targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  say "torch $(python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)') at $torch_prefix"
  prefixes="$torch_prefix"
  # PyPI's torch leaves nccl.h (the NCCL process group's header) to the nvidia-nccl wheel.
  nccl_prefix="$(python3 -c 'import nvidia.nccl; print(list(nvidia.nccl.__path__)[0])' 2>/dev/null || true)"
  [ -n "$nccl_prefix" ] && prefixes="$prefixes;$nccl_prefix"
  if [ -d "$DEPS" ]; then
    # GoogleTest ships as sources (Debian's /usr/src/googletest): built once, into the build folder (a
    # carried $DEPS replaces the one of an earlier call).
    local gtest="$BUILD/googletest-install"
    if [ -d "$DEPS/googletest-src" ] && [ ! -f "$gtest/lib/cmake/GTest/GTestConfig.cmake" ] && [ ! -f "$gtest/lib64/cmake/GTest/GTestConfig.cmake" ]; then
      say "building GoogleTest from $DEPS/googletest-src"
      cmake -S "$DEPS/googletest-src" -B "$BUILD/googletest" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$gtest" \
        -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_GMOCK=OFF >"$OUT/googletest.log"
      cmake --build "$BUILD/googletest" -j "$JOBS" --target install >>"$OUT/googletest.log"
    fi
    prefixes="$prefixes;$DEPS;$gtest"
  fi
  say "configuring and building the core (log: $OUT/build.log)"
  start=$(date +%s)
  # Warnings stay visible in the log but do not stop the measurements.
  cmake -S "$ROOT/native" -B "$BUILD/core" -DCMAKE_BUILD_TYPE=Release -DEKT_WERROR=OFF -DCMAKE_PREFIX_PATH="$prefixes" ${EKT_GPU_CMAKE_ARGS:-} >"$OUT/build.log" 2>&1 \
    || { tail -50 "$OUT/build.log"; exit 1; }
  cmake --build "$BUILD/core" -j "$JOBS" "${targets[@]}" >>"$OUT/build.log" 2>&1 || { tail -50 "$OUT/build.log"; exit 1; }
  say "built in $(( $(date +%s) - start )) s"
}
