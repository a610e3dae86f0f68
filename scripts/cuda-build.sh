#!/usr/bin/env bash
# The CUDA build check (README, "CUDA build in CI"): compiles and links the core, ekt_bench and the
# C++ tests a second time, against PyPI's CUDA build of libtorch (the H200 image's version), with
# CUDA and NCCL on and warnings as errors, so every CUDA-only code path compiles on a machine
# without a GPU; then runs those C++ tests through this build on the CPU (EKT_CUDA_CTEST=0 skips
# that), so the libtorch 2.x paths (scaled_dot_product_attention, the version-guarded kernels)
# run in CI too. Maven's test phase runs it (skip: -Dekt.cuda.skip=true, or -Dekt.ctest.skip=true),
# then the Java reference tests through the core staged below (surefire torch2-parity, engine/pom.xml).
#
# No CUDA toolkit is installed: PyPI's wheels are the toolkit. The torch wheel carries libtorch's
# headers, TorchConfig.cmake and libraries; nvidia-cuda-nvcc/-crt/-nvvm/-runtime/-cccl are nvcc and
# the CUDA headers; NVRTC because TorchConfig links it; cuBLAS, cuSPARSE and cuSOLVER come for
# the headers ATen/cuda includes; NCCL for nccl.h (ProcessGroupNCCL). The versions are read from the torch wheel's own requirements, so one
# pin (EKT_CUDA_TORCH) decides them all. Wheels and their unpacked tree are cached under
# ~/.cache/ekt/cuda (about 1.6 GB of wheels, 4 GB unpacked); a cached tree needs no network.
#
# Running the tests needs the libraries libtorch_cuda.so loads even without a GPU (cuDNN, cuFFT,
# cuRAND, cuSPARSELt, NVSHMEM, cuFile, CUPTI, NVTX: another ~1.4 GB of wheels, fetched and cached
# the same way, only then); executables link with -Wl,--allow-shlib-undefined either way.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TORCH_PIN="${EKT_CUDA_TORCH:-2.11.0}"  # the H200 image's PyTorch
CACHE="${EKT_CUDA_CACHE:-$HOME/.cache/ekt/cuda}"
BUILD="${EKT_CUDA_BUILD:-$ROOT/engine/target/cuda-build}"
# Hopper (H100/H200); only matters to nvcc (torch's CMake asks for it, no GPU to detect here).
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
WHEELS="$CACHE/wheels"
SITE="$CACHE/torch-$TORCH_PIN"  # the wheels unpacked as pip would into site-packages
say() { echo "[cuda-build $(date +%H:%M:%S)] $*" >&2; }

# The torch wheel's requirement on Linux whose name starts with $2 (e.g. "cuda-toolkit[...]==13.0.2").
torch_requirement() {
  python3 - "$1" "$2" <<'EOF'
import sys, zipfile
wheel, prefix = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(wheel)
meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
for line in z.read(meta).decode().splitlines():
    if line.startswith("Requires-Dist: " + prefix):
        print(line[len("Requires-Dist: "):].split(";")[0].strip())
        break
else:
    sys.exit(f"{wheel}: no requirement {prefix}")
EOF
}

torch_wheel() { ls "$WHEELS"/torch-"$TORCH_PIN"-*.whl | head -1; }

# The CUDA version the torch wheel pins through its cuda-toolkit requirement (e.g. 13.0.2).
toolkit_version() {
  local toolkit
  toolkit=$(torch_requirement "$(torch_wheel)" "cuda-toolkit")
  echo "${toolkit##*==}"
}

fetch_and_unpack() {
  [ -f "$SITE/.complete" ] && return 0
  command -v pip3 >/dev/null || python3 -m pip --version >/dev/null 2>&1 \
    || { say "python3 -m pip is missing (Debian: apt-get install python3-pip)"; exit 1; }
  mkdir -p "$WHEELS"
  local start=$(date +%s)
  say "downloading torch==$TORCH_PIN (CUDA build, ~530 MB) into $WHEELS"
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$WHEELS" "torch==$TORCH_PIN"
  local torch_wheel nccl version
  torch_wheel=$(torch_wheel)
  nccl=$(torch_requirement "$torch_wheel" "nvidia-nccl")
  version=$(toolkit_version)
  # Pinned by the cuda-toolkit metapackage's extras; nvcc pulls nvvm/crt/runtime, cuSOLVER
  # pulls cuBLAS, cuSPARSE and nvJitLink.
  local build_set="cuda-toolkit[nvcc,cudart,crt,nvvm,cccl,nvrtc,cublas,cusparse,cusolver,nvjitlink]==$version"
  say "downloading $build_set and $nccl"
  python3 -m pip download -q --only-binary=:all: -d "$WHEELS" "$build_set" "$nccl"
  say "downloaded in $(( $(date +%s) - start )) s: $(du -sh "$WHEELS" | cut -f1) of wheels"
  start=$(date +%s)
  rm -rf "$SITE" && mkdir -p "$SITE"
  local w
  for w in "$torch_wheel" "$WHEELS"/nvidia_*.whl; do
    python3 -m zipfile -e "$w" "$SITE"
  done
  # zipfile drops the executable bits; nvcc.profile links from lib64 where the wheels have lib;
  # the wheels ship versioned sonames only, and CMake's FindCUDAToolkit (like the linker's
  # -lcudart) looks for the unversioned names.
  chmod +x "$SITE"/nvidia/cu13/bin/* "$SITE"/nvidia/cu13/nvvm/bin/*
  ln -sfn lib "$SITE/nvidia/cu13/lib64"
  local lib
  for lib in "$SITE"/nvidia/*/lib/lib*.so.*; do
    ln -sf "$(basename "$lib")" "${lib%%.so.*}.so"
  done
  touch "$SITE/.complete"
  say "unpacked in $(( $(date +%s) - start )) s: $(du -sh "$SITE" | cut -f1) in $SITE"
}

fetch_and_unpack
CUDA="$SITE/nvidia/cu13"
# TorchConfig looks its libraries up with find_library(... PATHS), which searches the system
# first: on a machine with Debian's libtorch too, they are named here so that none is Debian's.
start=$(date +%s)
say "configuring against libtorch $TORCH_PIN (CUDA $("$CUDA/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')) in $BUILD"
cmake -S "$ROOT/native" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DEKT_WERROR=ON \
  -DCMAKE_PREFIX_PATH="$SITE/torch/share/cmake;$SITE/nvidia/nccl" \
  -DTORCH_LIBRARY="$SITE/torch/lib/libtorch.so" -Dc10_LIBRARY="$SITE/torch/lib/libc10.so" \
  -DCUDA_TOOLKIT_ROOT_DIR="$CUDA" -DCUDAToolkit_ROOT="$CUDA" -DCMAKE_CUDA_COMPILER="$CUDA/bin/nvcc" \
  -DEKT_REQUIRE_CUDA=ON -DCMAKE_EXE_LINKER_FLAGS="-Wl,--allow-shlib-undefined" >"$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; exit 1; }
grep -E "ekt:" "$BUILD.configure.log" >&2
say "building (log: $BUILD.build.log)"
RUN_TESTS="${EKT_CUDA_CTEST:-1}"
# ekt_tests only where they run; the substitution must succeed either way (set -e ends the script)
TARGETS="${EKT_CUDA_TARGETS:-ektcore ekt_bench$([ "$RUN_TESTS" != 1 ] || echo " ekt_tests")}"
cmake --build "$BUILD" -j "${EKT_CUDA_JOBS:-$(nproc)}" --target $TARGETS >"$BUILD.build.log" 2>&1 \
  || { tail -80 "$BUILD.build.log"; exit 1; }
say "compiled and linked $TARGETS in $(( $(date +%s) - start )) s"

# The engine's CUDA native jar (classifier linux-x86_64-cuda, packaged by Maven when this directory
# exists): the CPU build's JNI glue, which binds only the C API, beside this build's libektcore.so,
# under the path JavaCPP's Loader looks in. A GPU host puts it on the class path instead of the CPU one;
# Maven's torch2-parity tests load it from here. Its run path names libtorch's and CUDA's directories
# in $SITE, and libtorch's own run path ($ORIGIN/../../nvidia/...) the rest: no LD_LIBRARY_PATH.
JNI="$ROOT/engine/target/classes/ekt/core/linux-x86_64"
if [ -f "$BUILD/libektcore.so" ] && ls "$JNI"/libjni*.so >/dev/null 2>&1; then
  STAGE="$ROOT/engine/target/cuda-jar/ekt/core/linux-x86_64"
  rm -rf "$STAGE" && mkdir -p "$STAGE"
  cp "$JNI"/libjni*.so "$BUILD/libektcore.so" "$STAGE/"
  say "staged the linux-x86_64-cuda native jar's libraries in $STAGE"
fi

# The run-time libraries of libtorch_cuda.so, from the torch wheel's remaining requirements; only
# their own wheels are unpacked (cuDNN's dependencies would bring newer cuBLAS/NVRTC than the pin).
fetch_runtime() {
  [ -f "$SITE/.runtime-complete" ] && return 0
  local start=$(date +%s) torch_wheel
  torch_wheel=$(torch_wheel)
  local runtime="cuda-toolkit[cufft,cufile,cupti,curand,nvtx]==$(toolkit_version)"
  local others=("$(torch_requirement "$torch_wheel" "nvidia-cudnn")" "$(torch_requirement "$torch_wheel" "nvidia-cusparselt")"
                "$(torch_requirement "$torch_wheel" "nvidia-nvshmem")")
  say "downloading the run-time libraries: $runtime ${others[*]}"
  python3 -m pip download -q --only-binary=:all: -d "$WHEELS/runtime" "$runtime" "${others[@]}"
  local w
  for w in "$WHEELS"/runtime/nvidia_cuda_cupti-*.whl "$WHEELS"/runtime/nvidia_cufft-*.whl "$WHEELS"/runtime/nvidia_cufile-*.whl \
           "$WHEELS"/runtime/nvidia_curand-*.whl "$WHEELS"/runtime/nvidia_nvtx-*.whl "$WHEELS"/runtime/nvidia_cudnn_*.whl \
           "$WHEELS"/runtime/nvidia_cusparselt_*.whl "$WHEELS"/runtime/nvidia_nvshmem_*.whl; do
    python3 -m zipfile -e "$w" "$SITE"
  done
  touch "$SITE/.runtime-complete"
  say "run-time libraries in $(( $(date +%s) - start )) s"
}

if [ "$RUN_TESTS" = 1 ]; then
  fetch_runtime
  LIBS="$SITE/torch/lib"
  for dir in "$SITE"/nvidia/*/lib; do LIBS="$LIBS:$dir"; done
  start=$(date +%s)
  say "ctest through libtorch $TORCH_PIN on the CPU (log: $BUILD.ctest.log)"
  LD_LIBRARY_PATH="$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OMP_WAIT_POLICY=PASSIVE \
    ctest --test-dir "$BUILD" -j "${EKT_CUDA_JOBS:-$(nproc)}" --output-on-failure >"$BUILD.ctest.log" 2>&1 \
    || { tail -60 "$BUILD.ctest.log"; exit 1; }
  say "$(grep -E 'tests passed' "$BUILD.ctest.log") in $(( $(date +%s) - start )) s"
fi

