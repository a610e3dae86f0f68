# Shared by ./ekt and .ci/run: installs what the build needs and sets the CPU runtime knobs.

say() { echo "[ekt] $*" >&2; }

# OpenBLAS in Debian 0.3.21 only uses AVX-512 kernels when told the core type, and libgomp's
# active spin-wait fights the BLAS pool (see README, "Threading"). Both must be set before the
# libraries load, so they are set here, for every JVM the launcher or Maven starts.
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
export OMP_WAIT_POLICY=PASSIVE

# Build: CMake + libtorch with headers (Debian's CPU build; libtorch-dev alone pulls the reference
# BLAS, so OpenBLAS is named explicitly) + nlohmann-json + GoogleTest; Java 17
# and Maven; Python 3 + numpy run the sandboxed programs and the tests' independent references;
# node/npm fetch the tokenizer conformance reference (only if no node is installed already).
# libgloo-dev: headers of the Gloo process group (c10d) in libtorch.
APT_PACKAGES=(cmake g++ make libtorch-dev libgloo-dev libopenblas0-pthread nlohmann-json3-dev libgtest-dev python3 python3-numpy maven openjdk-17-jdk-headless)

# Tests only (./ekt test): Debian's PyTorch writes the pytorch_model.bin checkpoints the loader is
# checked against and brings the real torchrun, headless Chromium renders the HTML report. Tests skip with a message without them.
# python3-pip fetches PyPI's CUDA libtorch for the second, CUDA build of the core (scripts/cuda-build.sh).
TEST_APT_PACKAGES=(python3-torch chromium python3-pip)

# Missing packages of the build, plus those of the tests when called with "test".
missing_apt_packages() {
  local p packages=("${APT_PACKAGES[@]}")
  [ "${1:-}" = test ] && packages+=("${TEST_APT_PACKAGES[@]}")
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
  command -v npm >/dev/null 2>&1 || echo npm
}

ekt_setup() {
  local missing
  missing=$(missing_apt_packages "${1:-}" | tr '\n' ' ')
  if [ -n "${missing// /}" ]; then
    say "installing missing system packages: $missing"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
  fi
}

# Builds when sources are newer than the build (or always with "force"): one Maven run
# builds the native core (CMake), the JavaCPP glue and the Java classes.
ekt_build() {
  local stamp="$ROOT/cli/target/.ekt-built" m sources=("$ROOT/native" "$ROOT/cmake" "$ROOT/pom.xml")
  for m in engine pipeline cli; do sources+=("$ROOT/$m/src/main" "$ROOT/$m/pom.xml"); done
  if [ "${1:-}" != force ] && [ -f "$stamp" ] && \
     [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  say "building (native core + Java); first build downloads Maven dependencies"
  mvn -B -q -e ${EKT_MVN_OPTS:-} -DskipTests -Dekt.ctest.skip=true -pl cli -am package
  touch "$stamp"
}
